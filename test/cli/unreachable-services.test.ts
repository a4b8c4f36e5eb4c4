import { describe, expect, it } from 'vitest';
import { spawnNyx } from '../support/processes.js';

/** Ports in this suite's range that nothing listens on. */
const DEAD_REDIS = 'redis://127.0.0.1:42698';
const DEAD_POSTGRES = 'postgres://postgres:secret@127.0.0.1:42697/nyx';
/** tsx's start-up on a busy machine dominates; the check itself gives up after 5 s. */
const BOUND_MS = 90_000;

const lines = (output: string) => output.split('\n').filter((line) => line.trim() !== '');

describe.concurrent('start-up with an unreachable service', () => {
  it(
    'fails in one clear line with exit code 2 when REDIS_URL is unreachable',
    async () => {
      const nyx = spawnNyx('serve (dead Redis)', ['serve', '--port', '42640'], { REDIS_URL: DEAD_REDIS, NYX_DATA_DIR: ':memory:' });
      expect(await nyx.exited).toBe(2);
      expect(lines(nyx.output())).toEqual([
        expect.stringMatching(/^nyx: REDIS_URL: cannot reach redis:\/\/127\.0\.0\.1:42698 \(.*ECONNREFUSED.*\)/),
      ]);
    },
    BOUND_MS,
  );

  it(
    'fails in one clear line with exit code 2 when DATABASE_URL is unreachable, without showing the password',
    async () => {
      const nyx = spawnNyx('serve (dead PostgreSQL)', ['serve', '--port', '42641'], { DATABASE_URL: DEAD_POSTGRES });
      expect(await nyx.exited).toBe(2);
      const output = lines(nyx.output());
      expect(output).toEqual([
        expect.stringMatching(/^nyx: DATABASE_URL: cannot reach postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:42697\/nyx/),
      ]);
      expect(nyx.output()).not.toContain('secret');
    },
    BOUND_MS,
  );

  it(
    'waits with one line per attempt when DEPENDENCY_WAIT_S is set, then fails the same way',
    async () => {
      const nyx = spawnNyx('serve (waits for Redis)', ['serve', '--port', '42642'], {
        REDIS_URL: DEAD_REDIS,
        NYX_DATA_DIR: ':memory:',
        DEPENDENCY_WAIT_S: '5',
        LOG_LEVEL: 'warn',
      });
      expect(await nyx.exited).toBe(2);
      const output = lines(nyx.output());
      const attempts = output.filter((line) => /attempt \d+, trying again/.test(line));
      expect(attempts.length).toBeGreaterThanOrEqual(1);
      expect(output.at(-1)).toMatch(/^nyx: REDIS_URL: cannot reach/);
      expect(output).toHaveLength(attempts.length + 1);
      expect(nyx.output()).not.toMatch(/continuing with defaults|"stack"/);
    },
    BOUND_MS,
  );
});
