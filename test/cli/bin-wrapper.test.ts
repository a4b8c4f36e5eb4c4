import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { pollUntil, spawnNyx, type NyxProcess } from '../support/processes.js';

const run = promisify(execFile);
const STARTUP_MS = 60_000;
const started: NyxProcess[] = [];

afterEach(async () => {
  for (const nyx of started.splice(0)) await nyx.stop('SIGKILL', 5_000).catch(() => {});
});

/** The server process the wrapper started: its only child. */
async function serverPidOf(wrapper: NyxProcess): Promise<number> {
  const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(wrapper.child.pid)]);
  const pids = stdout
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => pid > 0);
  expect(pids).toHaveLength(1);
  return pids[0]!;
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

function post(body: unknown, token?: string): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? auth(token) : {}) }, body: JSON.stringify(body) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Port 0: the system picks a free one and the server prints it (a fixed range collided in CI with a port another test held).
async function startWrapped(): Promise<{ wrapper: NyxProcess; server: number }> {
  const wrapper = spawnNyx('nyx (bin)', ['serve', '--port', '0'], { NYX_DATA_DIR: ':memory:', LOG_LEVEL: 'warn' }, { viaBin: true });
  started.push(wrapper);
  await wrapper.waitForOutput(/Nyx is running: (http:\S+)/, STARTUP_MS);
  return { wrapper, server: await serverPidOf(wrapper) };
}

describe('bin/nyx.mjs', () => {
  // SIGINT takes the same path; each case starts a server, so two cases keep the suite short.
  it.each(['SIGTERM', 'SIGHUP'] as const)(
    'forwards %s to the server and exits with its code, leaving no server behind',
    async (signal) => {
      const { wrapper, server } = await startWrapped();
      expect(await wrapper.stop(signal, 20_000)).toBe(0);
      await pollUntil(
        'server gone',
        async () => isAlive(server),
        (alive) => !alive,
        5_000,
      );
    },
    STARTUP_MS + 30_000,
  );

  it(
    'ends the way the server ended when a signal killed it',
    async () => {
      const { wrapper, server } = await startWrapped();
      process.kill(server, 'SIGKILL');
      expect(await wrapper.exited).toBe('SIGKILL');
    },
    STARTUP_MS + 30_000,
  );

  it(
    'stops an embedded server with a backlog of running jobs within 16 s of SIGTERM',
    async () => {
      const wrapper = spawnNyx(
        'nyx (bin, backlog)',
        ['serve', '--port', '0'],
        // Every model call takes a minute: each choice leaves jobs running and queued.
        { NYX_DATA_DIR: ':memory:', LOG_LEVEL: 'warn', LLM_SIM_LATENCY_MS: '60000', QUEUE_CONCURRENCY: '2' },
        { viaBin: true },
      );
      started.push(wrapper);
      const [, url] = await wrapper.waitForOutput(/Nyx is running: (http:\S+?)\/? /, STARTUP_MS);
      const base = url!;
      const created = (await (await fetch(`${base}/api/games`, post({ scenario: 'village-well' }))).json()) as {
        gameId: string;
        token: string;
      };
      for (let i = 0; i < 4; i++) {
        const state = (await (await fetch(`${base}/api/games/${created.gameId}/state`, { headers: auth(created.token) })).json()) as {
          choices: Array<{ id: string }>;
        };
        await fetch(`${base}/api/games/${created.gameId}/choices`, post({ choiceId: state.choices[0]!.id }, created.token));
      }
      const signalled = Date.now();
      expect(await wrapper.stop('SIGTERM', 30_000)).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(16_000);
    },
    STARTUP_MS + 60_000,
  );

  it(
    'exits with the code of a command that fails',
    async () => {
      const wrapper = spawnNyx('nyx (bin)', ['no-such-command'], {}, { viaBin: true });
      expect(await wrapper.exited).toBe(2);
    },
    STARTUP_MS,
  );
});
