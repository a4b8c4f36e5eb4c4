import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { RedisCache } from '../../src/runtime/cache/redis-cache.js';
import { repoRoot } from '../support/processes.js';
import { describeWithServices, redisUrl, uniquePrefix } from '../support/services.js';

const run = promisify(execFile);

/** One child process making the gateway request; a different seed per process, as two games would have. */
async function requestInChild(prefix: string, seed: number): Promise<{ calls: number; value: unknown; spentUsd: number }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/support/completion-cache-child.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      REDIS_URL: redisUrl!,
      NYX_TEST_PREFIX: prefix,
      NYX_TEST_SEED: String(seed),
      LOG_LEVEL: 'silent',
    },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { calls: number; value: unknown; spentUsd: number };
}

describeWithServices('the completion cache across two processes on Redis', ['redis'], () => {
  const prefix = uniquePrefix('completion-processes');
  afterAll(async () => {
    const cache = new RedisCache({ url: redisUrl!, keyPrefix: prefix });
    await cache.whenReady();
    await cache.deleteKeys('*');
    await cache.close();
  });

  it("answers the second process from the first one's call, and both charge one ledger once", async () => {
    const first = await requestInChild(prefix, 1);
    const second = await requestInChild(prefix, 2);
    expect(first.calls).toBe(1);
    expect(second.calls).toBe(0);
    expect(second.value).toEqual(first.value);
    expect(first.spentUsd).toBeGreaterThan(0);
    expect(second.spentUsd).toBe(first.spentUsd);
  }, 150_000);
});
