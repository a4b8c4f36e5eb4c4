// @ts-check
/**
 * `npm run build`, second step: tsc emits only JavaScript and declarations, but the built code
 * also reads files that sit next to its modules (they are found relative to `import.meta.url`):
 * the SQL migrations, the web UI and the database thread's plain-JavaScript body and its cluster template.
 */
import { cpSync } from 'node:fs';

const ASSETS = [
  'runtime/db/migrations',
  'runtime/db/pglite-thread/pglite-worker.mjs',
  'runtime/db/pglite-thread/cluster-template.mjs',
  'server/public',
];

for (const asset of ASSETS) {
  cpSync(new URL(`../src/${asset}`, import.meta.url), new URL(`../dist/${asset}`, import.meta.url), { recursive: true });
}
