import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/processes.js';

/**
 * Nyx as an outside project gets it: `npm pack`, then `npm install <tarball>` into a folder of its
 * own (dependencies from the npm cache when they are there), then plain `node` — no tsx, no
 * sources. The example game is that outside project. It installs without optional dependencies:
 * Nyx must run without node-llama-cpp (about 700 MB of prebuilt binaries), which only the local
 * model provider needs.
 */

const run = promisify(execFile);
const EXAMPLE = join(repoRoot, 'examples/lantern-market');
const SETUP_TIMEOUT_MS = 600_000;
/** Generous: a TypeScript compile or a whole game start is seconds, but a loaded two-core CI box stretches it. */
const STEP_TIMEOUT_MS = 180_000;

interface PackageJson {
  exports: Record<string, string | { types: string; default: string }>;
  dependencies?: Record<string, string>;
}

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;

describe('the packed nyx package', () => {
  let workDir: string;
  let tarball: string;
  let game: string;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'nyx-pack-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', workDir], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string }>;
    tarball = join(workDir, packed!.filename);

    game = join(workDir, 'lantern-market');
    cpSync(EXAMPLE, game, { recursive: true, filter: (source) => !source.includes('node_modules') });
    const gameManifest = JSON.parse(readFileSync(join(game, 'package.json'), 'utf8')) as PackageJson;
    gameManifest.dependencies = { nyx: `file:${tarball}` };
    writeFileSync(join(game, 'package.json'), JSON.stringify(gameManifest, null, 2));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=optional'], {
      cwd: game,
      maxBuffer: 16 * 1024 * 1024,
    });
  }, SETUP_TIMEOUT_MS);

  // The installed dependencies are ~190 MB: removing them takes a while on a loaded machine.
  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  }, SETUP_TIMEOUT_MS);

  it('holds the built code with its declarations, the bin and the scenarios, and no sources', async () => {
    const { stdout } = await run('tar', ['tzf', tarball]);
    const files = new Set(stdout.split('\n').map((line) => line.replace(/^package\//, '')));
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (typeof target === 'string') continue;
      expect(files, subpath).toContain(target.default.replace('./', ''));
      expect(files, subpath).toContain(target.types.replace('./', ''));
    }
    expect(files).toContain('bin/nyx.mjs');
    expect(files).toContain('scenarios/village-well.yaml');
    expect(files).toContain('dist/runtime/db/migrations/meta/_journal.json');
    expect(files).toContain('dist/runtime/db/pglite-thread/pglite-worker.mjs');
    expect(files).toContain('dist/server/public/index.html');
    expect([...files].filter((file) => /^(src|test|bench)\/|tsbuildinfo/.test(file))).toEqual([]);
  });

  it(
    'imports every entry point under plain node, without tsx installed',
    async () => {
      expect(existsSync(join(game, 'node_modules/tsx'))).toBe(false);
      expect(existsSync(join(game, 'node_modules/node-llama-cpp'))).toBe(false);
      const script = `
      const names = {};
      for (const entry of ['nyx', 'nyx/engine', 'nyx/server', 'nyx/runtime', 'nyx/scenarios', 'nyx/config']) names[entry] = Object.keys(await import(entry));
      console.log(JSON.stringify(names));`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: game });
      const names = JSON.parse(stdout) as Record<string, string[]>;
      expect(names['nyx']).toEqual(expect.arrayContaining(['startNyx', 'buildNyxServer', 'loadConfig', 'loadScenarioFile', 'GameError']));
      expect(names['nyx/engine']).toEqual(expect.arrayContaining(['GameEngine', 'GameError']));
      expect(names['nyx/server']).toEqual(expect.arrayContaining(['buildServer', 'installGracefulShutdown']));
      expect(names['nyx/runtime']).toEqual(
        expect.arrayContaining(['MemoryCache', 'RedisCache', 'InProcessQueue', 'BullMqQueue', 'hotPath']),
      );
      expect(names['nyx/scenarios']).toEqual(expect.arrayContaining(['scenarioSchema', 'parseScenario', 'loadScenarioFile']));
      expect(names['nyx/config']).toEqual(expect.arrayContaining(['loadConfig', 'ConfigError']));
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'gives a TypeScript consumer types: a misuse fails to compile, correct use compiles',
    async () => {
      const consumer = (choiceId: string) => `
      import { loadConfig, startNyx, type GameState } from 'nyx';
      import type { TaskQueue } from 'nyx/runtime';
      import type { Scenario } from 'nyx/scenarios';
      const nyx = await startNyx(loadConfig({}), { workers: true });
      const queue: TaskQueue = nyx.queue;
      const scenario: Scenario | undefined = undefined;
      const { gameId, state }: { gameId: string; state: GameState } = await nyx.engine.createGame({ scenario: 'village-well' });
      await nyx.engine.makeChoice(gameId, ${choiceId});
      console.log(queue.backend, scenario, state.version);
      export {};`;
      const tsc = join(game, 'node_modules/typescript/bin/tsc');
      const flags = ['--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--target', 'es2023', '--types', 'node'];
      writeFileSync(join(game, 'consumer.ts'), consumer('state.choices[0]!.id'));
      // @types/node lives in the repository's dev dependencies, not in the game: point tsc at it.
      const typeRoots = ['--typeRoots', join(repoRoot, 'node_modules/@types')];
      await expect(run(process.execPath, [tsc, ...flags, ...typeRoots, 'consumer.ts'], { cwd: game })).resolves.toBeDefined();
      writeFileSync(join(game, 'consumer.ts'), consumer('42'));
      await expect(run(process.execPath, [tsc, ...flags, ...typeRoots, 'consumer.ts'], { cwd: game })).rejects.toMatchObject({
        stdout: expect.stringContaining("Argument of type 'number' is not assignable to parameter of type 'string'"),
      });
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'runs the nyx command from the built code',
    async () => {
      const { stdout } = await run(join(game, 'node_modules/.bin/nyx'), ['scenario', 'validate', 'scenarios/lantern-market.yaml'], {
        cwd: game,
      });
      expect(stdout).toContain('"The Lantern Market" (4 NPCs, 1 conflict)');
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'plays the example game: its own scenario, three choices, the model text, its own chronicle route',
    async () => {
      const { stdout } = await run(process.execPath, ['play.mjs'], { cwd: game, env: { ...process.env, LOG_LEVEL: 'error' } });
      expect(stdout).toContain('You arrive at the quay');
      expect(stdout).toContain('The Lantern Market (tension:');
      expect(stdout.split('\n').filter((line) => line.startsWith('- ')).length).toBeGreaterThan(0);
    },
    STEP_TIMEOUT_MS,
  );
});
