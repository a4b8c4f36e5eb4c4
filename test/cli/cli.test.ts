import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { spawnNyx } from '../support/processes.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `nyx …` as a user would and returns its exit code and output, whatever the code. */
async function nyx(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('configuration', () => {
  it('reads the defaults of an empty environment: the embedded deployment', () => {
    const config = loadConfig({});
    expect(config.redisUrl).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
    expect(config.llm.provider).toBe('offline');
    expect(config.hotPath).toMatchObject({ enforceMs: 200, waitMs: 0, disableLlm: false, mode: 'async', blockMs: 100 });
    expect(config.queue).toMatchObject({ attempts: 3, backoffMs: 10_000, backoffFactor: 3 });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT', 'an integer from 0 to 65535'],
    [{ WORKER_METRICS_PORT: '70000' }, 'WORKER_METRICS_PORT', 'an integer from 0 to 65535'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL', 'redis://'],
    [{ DISABLE_LLM_IN_HOT_PATH: 'maybe' }, 'DISABLE_LLM_IN_HOT_PATH', '0 or 1'],
    [{ LLM_SIM_LATENCY_MS: '5000-2000' }, 'LLM_SIM_LATENCY_MS', 'MIN-MAX'],
    [{ NYX_HOT_PATH: 'sometimes' }, 'NYX_HOT_PATH', 'async, blocking'],
    [{ HOT_PATH_WAIT_MS: '500' }, 'HOT_PATH_WAIT_MS', 'at most HOT_PATH_ENFORCE_MS'],
    [{ HOT_PATH_BLOCK_MS: '0' }, 'HOT_PATH_BLOCK_MS', 'an integer'],
    [{ LLM_PROVIDER: 'openai-compatible' }, 'LLM_BASE_URL', 'http(s) URL'],
  ])('rejects %o naming %s and what it accepts', (env, variable, accepts) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as Error).message).toContain(accepts);
  });

  it('picks the openai-compatible provider and per-kind models from LLM_* variables', () => {
    const config = loadConfig({ LLM_BASE_URL: 'http://127.0.0.1:11434/v1', LLM_MODEL: 'llama3.1', LLM_MODEL_GOSSIP: 'tiny' });
    expect(config.llm).toMatchObject({ provider: 'openai-compatible', model: 'llama3.1', modelByKind: { GOSSIP: 'tiny' } });
  });
});

describe('the nyx command', () => {
  it('stops on a bad variable with one line and exit code 2, no stack trace', async () => {
    const result = await nyx(['migrate'], { PORT: 'abc' });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual(['nyx: PORT: expected an integer from 0 to 65535, got "abc"']);
  });

  it('validates a scenario file: 0 for a good one, 1 naming file and line for a bad one, 2 for a missing one', async () => {
    const good = await nyx(['scenario', 'validate', 'scenarios/harbour-dock-rights.yaml']);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('ok');
    const bad = await nyx(['scenario', 'validate', 'test/fixtures/scenarios/wrong-enum.yaml']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/wrong-enum\.yaml:\d+:\d+ npcs\[\d+\]\.socialRole/);
    const missing = await nyx(['scenario', 'validate', 'no/such/file.yaml']);
    expect(missing.code).toBe(2);
  });

  it('stops on an unknown LOG_LEVEL with one line and exit code 2, before the logger can throw', async () => {
    const result = await nyx(['serve'], { LOG_LEVEL: 'loud' });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'nyx: LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ]);
  });

  it('prints help for every command with exit code 0, and the overview lists them all', async () => {
    const overview = await nyx(['--help']);
    expect(overview.code).toBe(0);
    for (const command of ['serve', 'worker', 'migrate', 'scenario validate', 'guard', 'audit', 'bench']) {
      expect(overview.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    for (const command of ['serve', 'worker', 'migrate', 'scenario', 'guard', 'audit', 'bench']) {
      const help = await nyx([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(new RegExp(`^usage: nyx ${command}`));
      expect(help.stderr, command).toBe('');
    }
  }, 120_000);

  it('answers an unknown option with one line and exit code 2', async () => {
    const result = await nyx(['serve', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain("Unknown option '--bogus'");
  });

  it('counts in words that agree: "1 conflict", "4 NPCs"', async () => {
    const result = await nyx(['scenario', 'validate', 'scenarios/village-well.yaml']);
    expect(result.stdout).toMatch(/\(\d+ NPCs, 1 conflict\)/);
  });

  it('answers an unknown command with usage and exit code 2', async () => {
    const result = await nyx(['dance']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "dance"');
  });
});

describe('nyx serve on disk', () => {
  const serve = (dataDir: string) =>
    spawnNyx('serve', ['serve'], { NYX_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
  const baseUrl = async (server: ReturnType<typeof serve>) => (await server.waitForOutput(/Nyx is running: (http:\/\/\S+?)\//, 60_000))[1]!;

  it('keeps a game through a killed process: the next start serves it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nyx-disk-'));
    try {
      const first = serve(dataDir);
      const created = await fetch(`${await baseUrl(first)}/api/games`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ scenario: 'village-well', seed: 5 }),
      });
      const { gameId, token } = (await created.json()) as { gameId: string; token: string };
      // No shutdown at all: only what was committed can be there after the restart.
      expect(await first.stop('SIGKILL', 10_000)).toBe('SIGKILL');

      const second = serve(dataDir);
      try {
        const state = await fetch(`${await baseUrl(second)}/api/games/${gameId}/state`, { headers: { authorization: `Bearer ${token}` } });
        expect(state.status).toBe(200);
        expect(((await state.json()) as { gameId: string }).gameId).toBe(gameId);
      } finally {
        expect(await second.stop('SIGTERM', 20_000)).toBe(0);
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
