import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metrics } from '../../src/observability/metrics.js';
import { bucketQuantile, type OpsSnapshot } from '../../src/server/ops-snapshot.js';
import { buildTestServer, createGame, QUEUE_COUNTS, type TestServer } from './test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await buildTestServer();
});
afterAll(async () => server.app.close());

describe('probes', () => {
  it('answers /healthz with ok', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true });
  });

  it('answers /readyz 200 with the readiness map, and 503 once a check fails', async () => {
    const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ database: true, cache: true, queue: true, model: 'unknown' });

    server.readiness.cache = false;
    try {
      const notReady = await server.app.inject({ method: 'GET', url: '/readyz' });
      expect(notReady.statusCode).toBe(503);
      expect(notReady.json()).toEqual({ database: true, cache: false, queue: true, model: 'unknown' });
    } finally {
      server.readiness.cache = true;
    }
  });

  it('shows the model’s health on /readyz and /api/ops without answering 503 for it', async () => {
    const failing = await buildTestServer(
      {},
      { modelHealth: () => ({ status: 'failing', reason: 'server_error', checkedAt: Date.now() }) },
    );
    try {
      const ready = await failing.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ model: 'failing' });
      const ops = (await failing.app.inject({ method: 'GET', url: '/api/ops' })).json() as OpsSnapshot;
      expect(ops.model).toMatchObject({ status: 'failing', reason: 'server_error' });
    } finally {
      await failing.app.close();
    }
  });
});

describe('/metrics', () => {
  it('serves Prometheus text with HTTP hot-path timings, queue jobs and the event-loop delay', async () => {
    await server.app.inject({ method: 'GET', url: '/api/scenarios' });
    const response = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toMatch(/nyx_hot_path_duration_seconds_count\{operation="http\.GET \/api\/scenarios"\} [1-9]/);
    expect(response.body).toContain(`nyx_queue_jobs{state="waiting"} ${QUEUE_COUNTS.waiting}`);
    expect(response.body).toMatch(/nyx_event_loop_delay_seconds\{stat="p99"\} [0-9.e-]+/);
  });

  it('shows the model’s health on /readyz and /api/ops without answering 503 for it', async () => {
    const failing = await buildTestServer(
      {},
      { modelHealth: () => ({ status: 'failing', reason: 'server_error', checkedAt: Date.now() }) },
    );
    try {
      const ready = await failing.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ model: 'failing' });
      const ops = (await failing.app.inject({ method: 'GET', url: '/api/ops' })).json() as OpsSnapshot;
      expect(ops.model).toMatchObject({ status: 'failing', reason: 'server_error' });
    } finally {
      await failing.app.close();
    }
  });
});

describe('/api/ops', () => {
  it('summarises hot-path timings, cache, queue, model calls and live clients', async () => {
    const game = await createGame(server.app);
    await server.app.inject({ method: 'GET', url: `/api/games/${game.gameId}/state`, headers: game.headers });
    metrics.cacheRequests.inc({ backend: 'memory', class: 'generated', result: 'hit' }, 3);
    metrics.cacheRequests.inc({ backend: 'memory', class: 'generated', result: 'miss' }, 1);
    // Bookkeeping misses are their normal start, not fallbacks: they must not sink the hit rate.
    metrics.cacheRequests.inc({ backend: 'memory', class: 'bookkeeping', result: 'miss' }, 1_000);
    metrics.modelCalls.inc({ kind: 'gossip', provider: 'offline', outcome: 'ok' }, 4);
    metrics.modelFailures.inc({ kind: 'gossip', reason: 'timeout' }, 2);
    metrics.modelFailures.inc({ kind: 'gossip', reason: 'server_error' }, 1);

    const response = await server.app.inject({ method: 'GET', url: '/api/ops' });
    expect(response.statusCode).toBe(200);
    const ops = response.json() as OpsSnapshot;
    const state = ops.hotPath['http.GET /api/games/:gameId/state'];
    expect(state?.count).toBeGreaterThanOrEqual(1);
    expect(state!.p50Ms).toBeGreaterThan(0);
    expect(state!.p99Ms).toBeGreaterThanOrEqual(state!.p50Ms);
    expect(ops.cache.hits).toBeGreaterThanOrEqual(3);
    expect(ops.cache.hitRate).toBeGreaterThan(0.5);
    expect(ops.cache.hitRate).toBeLessThanOrEqual(1);
    expect(ops.queue).toEqual(QUEUE_COUNTS);
    expect(ops.model.calls).toBeGreaterThanOrEqual(4);
    expect(ops.model.failures).toBeGreaterThanOrEqual(3);
    expect(ops.model.timeouts).toBeGreaterThanOrEqual(2);
    expect(ops.model.timeouts).toBeLessThan(ops.model.failures);
    expect(ops.sseClients).toBe(0);
    expect(ops.degraded).toBe(false);
    expect(ops.cost).toBeNull();
  });

  it("shows this hour's model spend, the spend per player turn, and the completion cache", async () => {
    const spend = { hourSpentUsd: async () => 0.06, hourTurns: async () => 40 };
    const priced = await buildTestServer({}, { spend });
    try {
      metrics.completionCache.inc({ kind: 'gossip', result: 'hit' }, 3);
      metrics.completionCacheSavedUsd.inc({ kind: 'gossip', model: 'm' }, 0.002);
      const ops = (await priced.app.inject({ method: 'GET', url: '/api/ops' })).json() as OpsSnapshot;
      expect(ops.cost).toMatchObject({ hourUsd: 0.06, turnsThisHour: 40 });
      expect(ops.cost!.perTurnUsd).toBeCloseTo(0.0015, 12);
      expect(ops.cost!.cacheHits).toBeGreaterThanOrEqual(3);
      expect(ops.cost!.savedUsd).toBeGreaterThanOrEqual(0.002);
    } finally {
      await priced.app.close();
    }
  });

  it('still answers when the queue cannot be asked', async () => {
    const broken = await buildTestServer({}, { queue: { counts: () => Promise.reject(new Error('redis down')) }, degraded: () => true });
    try {
      const response = await broken.app.inject({ method: 'GET', url: '/api/ops' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ queue: null, degraded: true });
      expect((await broken.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await broken.app.close();
    }
  });

  it('shows the model’s health on /readyz and /api/ops without answering 503 for it', async () => {
    const failing = await buildTestServer(
      {},
      { modelHealth: () => ({ status: 'failing', reason: 'server_error', checkedAt: Date.now() }) },
    );
    try {
      const ready = await failing.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ model: 'failing' });
      const ops = (await failing.app.inject({ method: 'GET', url: '/api/ops' })).json() as OpsSnapshot;
      expect(ops.model).toMatchObject({ status: 'failing', reason: 'server_error' });
    } finally {
      await failing.app.close();
    }
  });
});

describe('bucketQuantile', () => {
  it('interpolates inside the bucket holding the rank, like histogram_quantile', () => {
    const buckets = [
      { le: 0.001, count: 0 },
      { le: 0.01, count: 50 },
      { le: 0.1, count: 100 },
      { le: Number.POSITIVE_INFINITY, count: 100 },
    ];
    expect(bucketQuantile(buckets, 0.5)).toBeCloseTo(0.01);
    expect(bucketQuantile(buckets, 0.25)).toBeCloseTo(0.0055);
    expect(bucketQuantile(buckets, 0.99)).toBeCloseTo(0.01 + 0.09 * 0.98);
  });

  it('reports the last finite bound for ranks in the +Inf bucket, and 0 when empty', () => {
    expect(
      bucketQuantile(
        [
          { le: 0.5, count: 1 },
          { le: Number.POSITIVE_INFINITY, count: 10 },
        ],
        0.99,
      ),
    ).toBe(0.5);
    expect(
      bucketQuantile(
        [
          { le: 0.5, count: 0 },
          { le: Number.POSITIVE_INFINITY, count: 0 },
        ],
        0.5,
      ),
    ).toBe(0);
  });

  it('shows the model’s health on /readyz and /api/ops without answering 503 for it', async () => {
    const failing = await buildTestServer(
      {},
      { modelHealth: () => ({ status: 'failing', reason: 'server_error', checkedAt: Date.now() }) },
    );
    try {
      const ready = await failing.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ model: 'failing' });
      const ops = (await failing.app.inject({ method: 'GET', url: '/api/ops' })).json() as OpsSnapshot;
      expect(ops.model).toMatchObject({ status: 'failing', reason: 'server_error' });
    } finally {
      await failing.app.close();
    }
  });
});
