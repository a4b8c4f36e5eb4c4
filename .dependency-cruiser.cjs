/**
 * Layering rules `npm run check:layers` enforces on src/: no file imports back into its importer
 * (type-only imports included, so the tree reads one way), and the layers below the conflict
 * system never reach up into it.
 */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'a cycle hides which module owns what', from: {}, to: { circular: true } },
    {
      name: 'runtime-below-conflict',
      severity: 'error',
      comment: 'the runtime (database port, queues, caches), the story vocabulary and the gateway do not know the conflict system',
      from: { path: '^src/(runtime|story|gateway|observability)/' },
      to: { path: '^src/conflict/' },
    },
    {
      name: 'cli-not-bench',
      severity: 'error',
      comment: 'the shipped CLI does not load the benchmarks',
      from: { path: '^src/' },
      to: { path: '^bench/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
