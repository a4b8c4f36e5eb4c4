import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metrics } from '../../src/observability/metrics.js';
import { cacheKey, type Cache } from '../../src/runtime/cache/cache.js';
import { MemoryCache } from '../../src/runtime/cache/memory-cache.js';
import { RedisCache } from '../../src/runtime/cache/redis-cache.js';
import { describeWithServices, redisUrl, uniquePrefix } from '../support/services.js';

const UNREACHABLE_REDIS = 'redis://127.0.0.1:1';
/** The contract says 100 ms; two shared cores under load get headroom. */
const FAIL_FAST_MS = 250;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function errorCount(backend: string, operation: string): Promise<number> {
  const { values } = await metrics.cacheErrors.get();
  return values.find((v) => v.labels.backend === backend && v.labels.operation === operation)?.value ?? 0;
}

describe('cacheKey', () => {
  it('joins parts with colons', () => {
    expect(cacheKey('conflict', 123, 'transition')).toBe('conflict:123:transition');
    expect(cacheKey('social_bundle', 'scene_abc')).toBe('social_bundle:scene_abc');
  });
});

const backends = [
  { name: 'MemoryCache', needs: [] as const, open: async (keyPrefix: string): Promise<Cache> => new MemoryCache({ keyPrefix }) },
  {
    name: 'RedisCache',
    needs: ['redis'] as const,
    open: async (keyPrefix: string): Promise<Cache> => {
      const cache = new RedisCache({ url: redisUrl!, keyPrefix });
      await cache.whenReady();
      return cache;
    },
  },
];

for (const backend of backends) {
  describeWithServices(`Cache contract: ${backend.name}`, [...backend.needs], () => {
    let cache: Cache;

    beforeAll(async () => {
      cache = await backend.open(uniquePrefix('cache'));
    });

    afterAll(async () => {
      await cache.deleteKeys('*');
      await cache.close();
    });

    it('answers ping', async () => {
      expect(await cache.ping()).toBe(true);
    });

    it('only moves a revisioned key forward, whatever order the writers finish in', async () => {
      expect(await cache.setJsonIfNewer('head:1', { version: 5 }, 5, 60)).toBe(true);
      expect(await cache.setJsonIfNewer('head:1', { version: 4 }, 4, 60)).toBe(false);
      expect(await cache.setJsonIfNewer('head:1', { version: 5, again: true }, 5, 60)).toBe(false);
      expect(await cache.getJson('head:1')).toEqual({ version: 5 });
      expect(await cache.setJsonIfNewer('head:1', { version: 6 }, 6, 60)).toBe(true);
      expect(await cache.getJson('head:1')).toEqual({ version: 6 });
      // A value written without a revision is older than any.
      await cache.setJson('head:2', { plain: true });
      expect(await cache.setJsonIfNewer('head:2', { version: 0 }, 0)).toBe(true);
      expect(await cache.getJson('head:2')).toEqual({ version: 0 });
      // Concurrent writers: the highest revision is what stays.
      await Promise.all([3, 9, 1, 7].map((revision) => cache.setJsonIfNewer('head:3', { revision }, revision, 60)));
      expect(await cache.getJson('head:3')).toEqual({ revision: 9 });
    });

    it('stores and reads back JSON', async () => {
      const bundle = { stakeholders: [{ id: 1, stress: 0.7 }], note: 'é ✓' };
      expect(await cache.setJson('bundle:1', bundle, 300)).toBe(true);
      expect(await cache.getJson('bundle:1')).toEqual(bundle);
    });

    it('returns the fallback on a miss', async () => {
      expect(await cache.getJson('missing', { fallback: true })).toEqual({ fallback: true });
      expect(await cache.getJson('missing')).toBeUndefined();
      expect(await cache.getEntry('missing')).toBeUndefined();
    });

    it('treats every stored JSON value as a hit, falsy ones included', async () => {
      for (const [i, value] of [[], {}, 0, false, null, ''].entries()) {
        await cache.setJson(`falsy:${i}`, value);
        expect(await cache.getJson(`falsy:${i}`, 'fallback')).toEqual(value);
        expect(await cache.getOrCompute(`falsy:${i}`, async () => 'computed')).toEqual(value);
      }
    });

    it('refuses to store undefined', async () => {
      expect(await cache.setJson('undefined', undefined)).toBe(false);
      expect(await cache.getJson('undefined', 'fallback')).toBe('fallback');
    });

    it('expires a value after its TTL', async () => {
      await cache.setJson('short-lived', 'here', 0.5);
      expect(await cache.getJson('short-lived')).toBe('here');
      await sleep(800);
      expect(await cache.getJson('short-lived', 'gone')).toBe('gone');
    });

    it('records when a value was generated', async () => {
      const before = Date.now();
      await cache.setJson('stamped', { text: 'narration' });
      const entry = await cache.getEntry<{ text: string }>('stamped');
      expect(entry?.value).toEqual({ text: 'narration' });
      expect(entry?.generatedAt).toBeGreaterThanOrEqual(before);
      expect(entry?.generatedAt).toBeLessThanOrEqual(Date.now());
    });

    it('deletes exactly the keys matching a pattern and counts them', async () => {
      // More keys than one SCAN batch, so deletion has to follow the cursor.
      const matching = Array.from({ length: 320 }, (_, i) => `social:${i}`);
      for (const key of matching) await cache.setJson(key, 1);
      for (const key of ['socialite', 'gossip:1', 'x:social:1']) await cache.setJson(key, 'keep');

      expect(await cache.deleteKeys('social:*')).toBe(matching.length);
      expect(await cache.getJson('social:0')).toBeUndefined();
      expect(await cache.getJson('social:319')).toBeUndefined();
      expect(await cache.getJson('socialite')).toBe('keep');
      expect(await cache.getJson('gossip:1')).toBe('keep');
      expect(await cache.getJson('x:social:1')).toBe('keep');
      expect(await cache.deleteKeys('social:*')).toBe(0);
    });

    it('never deletes keys outside its own prefix', async () => {
      const neighbour = await backend.open(uniquePrefix('cache-neighbour'));
      try {
        await neighbour.setJson('shared:1', 'theirs');
        await cache.setJson('shared:1', 'ours');
        expect(await cache.deleteKeys('shared:*')).toBe(1);
        expect(await neighbour.getJson('shared:1')).toBe('theirs');
      } finally {
        await neighbour.deleteKeys('*');
        await neighbour.close();
      }
    });

    it('keeps the newest N list items, newest first', async () => {
      for (let i = 1; i <= 15; i += 1) expect(await cache.pushToList('gossip:scene', { i }, 10, 300)).toBe(true);
      expect((await cache.getList<{ i: number }>('gossip:scene')).map((item) => item.i)).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6]);
      expect(await cache.getList('gossip:scene', 3)).toEqual([{ i: 15 }, { i: 14 }, { i: 13 }]);
      expect(await cache.getList('gossip:nothing')).toEqual([]);
    });

    it('expires a list after its TTL', async () => {
      await cache.pushToList('gossip:brief', 'rumour', 5, 0.5);
      expect(await cache.getList('gossip:brief')).toEqual(['rumour']);
      await sleep(800);
      expect(await cache.getList('gossip:brief')).toEqual([]);
    });

    it('builds versioned keys from v0, and one bump moves them to v1', async () => {
      expect(await cache.version('conflict')).toBe(0);
      expect(await cache.versionedKey('conflict', 'player7', 42)).toBe('conflict:player7:42:v0');
      expect(await cache.bump('conflict')).toBe(1);
      expect(await cache.version('conflict')).toBe(1);
      expect(await cache.versionedKey('conflict', 'player7', 42)).toBe('conflict:player7:42:v1');
      expect(await cache.version('another-label')).toBe(0);
    });

    it('bumps atomically under concurrency', async () => {
      await Promise.all(Array.from({ length: 20 }, () => cache.bump('busy-label')));
      expect(await cache.version('busy-label')).toBe(20);
    });

    it('adds to a counter atomically, from 0, by any integer amount', async () => {
      expect(await cache.counter('spend')).toBe(0);
      await Promise.all(Array.from({ length: 20 }, (_, i) => cache.addToCounter('spend', i + 1)));
      expect(await cache.counter('spend')).toBe(210);
      expect(await cache.addToCounter('spend', -10)).toBe(200);
    });

    it('expires a counter after the TTL of its last write', async () => {
      expect(await cache.addToCounter('hourly', 5, 0.15)).toBe(5);
      expect(await cache.counter('hourly')).toBe(5);
      await sleep(400);
      expect(await cache.counter('hourly')).toBe(0);
    });

    it('refuses a fractional amount, answering undefined and leaving the counter alone', async () => {
      await cache.addToCounter('exact', 3);
      expect(await cache.addToCounter('exact', 0.5)).toBeUndefined();
      expect(await cache.counter('exact')).toBe(3);
    });

    it('reads an unparseable version as 0', async () => {
      await cache.setJson('cache:versions:garbled', 'not a number');
      expect(await cache.version('garbled')).toBe(0);
    });

    it('computes once, then serves the cached value, until forced to refresh', async () => {
      let computations = 0;
      const compute = async () => ({ computed: ++computations });
      expect(await cache.getOrCompute('computed', compute, { ttlSeconds: 300 })).toEqual({ computed: 1 });
      expect(await cache.getOrCompute('computed', compute, { ttlSeconds: 300 })).toEqual({ computed: 1 });
      expect(computations).toBe(1);
      expect(await cache.getOrCompute('computed', compute, { forceRefresh: true })).toEqual({ computed: 2 });
      expect(await cache.getJson('computed')).toEqual({ computed: 2 });
    });

    it('answers the fallback, and counts an error, for a key holding the wrong kind of value', async () => {
      await cache.pushToList('a-list', 'item', 5);
      const errorsBefore = await errorCount(cache.backend, 'get');
      expect(await cache.getJson('a-list', 'fallback')).toBe('fallback');
      expect(await errorCount(cache.backend, 'get')).toBe(errorsBefore + 1);
    });

    it('reads and writes well within the hot-path budget', async () => {
      const reads: number[] = [];
      const writes: number[] = [];
      for (let i = 0; i < 7; i += 1) {
        let started = performance.now();
        await cache.setJson(`timed:${i}`, { payload: 'x'.repeat(200) }, 60);
        writes.push(performance.now() - started);
        started = performance.now();
        await cache.getJson(`timed:${i}`);
        reads.push(performance.now() - started);
      }
      const median = (samples: number[]) => samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
      expect(median(writes)).toBeLessThan(50);
      expect(median(reads)).toBeLessThan(50);
    });
  });
}

describe('RedisCache with Redis unreachable', () => {
  let cache: RedisCache;

  beforeAll(() => {
    cache = new RedisCache({ url: UNREACHABLE_REDIS, keyPrefix: uniquePrefix('cache-down') });
  });

  afterAll(async () => {
    await cache.close();
  });

  it('answers every call with its default, at once, without throwing', async () => {
    const started = performance.now();
    expect(await cache.getJson('k', 'fallback')).toBe('fallback');
    expect(performance.now() - started).toBeLessThan(FAIL_FAST_MS);

    expect(await cache.getEntry('k')).toBeUndefined();
    expect(await cache.setJson('k', 1)).toBe(false);
    expect(await cache.pushToList('l', 1, 5)).toBe(false);
    expect(await cache.getList('l')).toEqual([]);
    expect(await cache.deleteKeys('*')).toBe(0);
    expect(await cache.version('label')).toBe(0);
    expect(await cache.bump('label')).toBe(0);
    expect(await cache.getOrCompute('k', async () => 'computed')).toBe('computed');
    expect(await cache.ping()).toBe(false);
    expect(performance.now() - started).toBeLessThan(FAIL_FAST_MS * 4);
  });

  it('counts the failed reads', async () => {
    const before = await errorCount('redis', 'get');
    await cache.getJson('k');
    expect(await errorCount('redis', 'get')).toBe(before + 1);
  });
});
