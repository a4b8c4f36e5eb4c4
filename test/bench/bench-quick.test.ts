import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GameState } from '../../src/conflict/engine/game-state.js';
import type { BenchResult } from '../../bench/lib/bench-result.js';
import { HttpClient } from '../../bench/lib/http-client.js';
import { BENCH_PRICES, startEmbeddedNyx, type BenchTarget, type HotPathMode } from '../../bench/lib/nyx-target.js';
import { QUICK_DEFAULTS } from '../../bench/lib/options.js';
import { runBench } from '../../bench/lib/run-bench.js';
import { createGame } from '../../bench/lib/virtual-player.js';
import { eventually } from '../support/nyx-harness.js';

/**
 * The benchmark itself: a shortened quick run must produce every figure the report promises, with
 * an error-free async mode and a storm that costs exactly one model call. Speed goals are printed
 * by `npm run bench`, never asserted here (the machine is shared).
 */
const OPERATIONS = ['stateSync', 'playerChoice', 'conflictCreation'] as const;

const expectCount = (value: unknown) => {
  expect(typeof value).toBe('number');
  expect(Number.isFinite(value)).toBe(true);
  expect(value as number).toBeGreaterThanOrEqual(0);
};

describe('the quick hot-path benchmark', () => {
  let result: BenchResult;

  beforeAll(async () => {
    const { latestPath } = await runBench({
      ...QUICK_DEFAULTS,
      durationS: 3,
      warmupS: 1,
      saturationS: 1,
      outDir: 'test-output/bench-quick',
      progress: false,
    });
    result = JSON.parse(await readFile(latestPath, 'utf8')) as BenchResult;
  }, 240_000);

  it('measures every operation in both modes and the floor', () => {
    for (const mode of ['async', 'blocking'] as const) {
      for (const op of OPERATIONS) {
        const figures = result.modes[mode].operations[op]!;
        for (const key of ['p50', 'p95', 'p99', 'max', 'throughput', 'errors', 'saturationThroughput'] as const) expectCount(figures[key]);
        expect(figures.p50).toBeLessThanOrEqual(figures.p99);
      }
      expect(result.modes[mode].operations.stateSync!.count).toBeGreaterThan(0);
    }
    for (const op of OPERATIONS) expect(result.modes.async.operations[op]!.errors).toBe(0);
    expect(result.floor.throughput).toBeGreaterThan(0);
  });

  it('reports ratios, event loop, model calls, queue depth, coverage and content age', () => {
    for (const op of OPERATIONS) expectCount(result.ratios.blockingToAsyncP50[op]);
    expectCount(result.ratios.asyncToFloorThroughput);
    expectCount(result.eventLoopP99Ms);
    expectCount(result.modelCalls.issued);
    expectCount(result.modelCalls.deduplicated);
    expectCount(result.modelCalls.failed);
    expect(result.modelCalls.issued).toBeGreaterThan(0);
    // The offline writer is billed at the run's simulated prices, so every turn has a cost.
    expect(result.cost.prices).toEqual(BENCH_PRICES);
    expect(result.cost.turns).toBeGreaterThan(0);
    expect(result.cost.totalUsd).toBeGreaterThan(0);
    expect(result.cost.perTurnUsd).toBeCloseTo(result.cost.totalUsd / result.cost.turns, 12);
    // Jobs finished and wrote their results; embedded, the workers' CPU is the web server's.
    expect(result.statements.perFinishedJob).toBeGreaterThan(0);
    expect(result.statements.byTask.tasks.length).toBeGreaterThan(0);
    expect(result.cpu.serverMsPerRequest).toBeGreaterThan(0);
    expect(result.cpu.workerMsPerFinishedJob).toBeNull();
    expect(result.redis, 'no Redis when embedded').toBeNull();
    expect(result.queueDepth.length).toBeGreaterThan(0);
    for (const point of result.queueDepth) for (const key of ['t', 'waiting', 'active', 'delayed'] as const) expectCount(point[key]);
    expectCount(result.coverage.lastSeen.share);
    expect(result.coverage.lastSeen.share).toBeLessThanOrEqual(1);
    expectCount(result.coverage.reactionsByNextSync.share);
    for (const key of ['count', 'p50', 'p95', 'max'] as const) expectCount(result.contentAgeMs[key]);
    expect(result.goals.length).toBeGreaterThan(0);
  });

  it("splits the async p99 into the server's handler time and the load generator's lag", () => {
    // Every player operation ran, so the server's histogram holds each route's handler times.
    const { handlerMs, hotStatementMs, loadGeneratorEventLoopMs } = result.p99Breakdown;
    for (const op of OPERATIONS) expect(handlerMs[op]).toBeGreaterThan(0);
    // Choices write, so requests sent statements; their time is part of the handler's.
    expect(hotStatementMs).toBeGreaterThan(0);
    // Embedded: the time on the database thread is part of the statement's whole time.
    expect(result.p99Breakdown.hotStatementRunMs).toBeGreaterThan(0);
    expect(result.p99Breakdown.hotStatementRunMs!).toBeLessThanOrEqual(hotStatementMs);
    // Jobs finished and wrote their results on the same thread.
    expect(result.p99Breakdown.slowStatementRunMs).toBeGreaterThan(0);
    // A timer set every 10 ms is always a little late, so the phase's lag p99 is above zero.
    expect(result.p99Breakdown.serverEventLoopMs).toBeGreaterThan(0);
    // The load generator's delay has its 10 ms sampling interval taken off: an idle loop reads 0.
    expect(loadGeneratorEventLoopMs).toBeGreaterThanOrEqual(0);
    expect(loadGeneratorEventLoopMs).toBeLessThan(1_000);
  });

  it('turns a storm of identical syncs into exactly one model call', () => {
    expect(result.storm.triggers).toBe(1000);
    expect(result.storm.modelCalls).toBe(1);
    expect(result.storm.latency.errors).toBe(0);
  });
});

describe.each(['async', 'blocking'] as const)('a game played over HTTP in %s mode', (mode: HotPathMode) => {
  let target: BenchTarget;
  let client: HttpClient;

  beforeAll(async () => {
    target = await startEmbeddedNyx(mode, { ...QUICK_DEFAULTS, latency: '200-300' });
    client = new HttpClient(target.baseUrl);
  }, 60_000);
  afterAll(async () => {
    client?.close();
    await target?.close();
  });

  it('shows the generated reaction to a choice', async () => {
    const { gameId, token, state } = await createGame(client, 5);
    const choice = state.choices.find((c) => c.type === 'confrontational') ?? state.choices[0]!;
    const made = await client.request<{ outcome: { reactionsDispatched: number }; state: GameState }>(
      'POST',
      `/api/games/${gameId}/choices`,
      {
        token,
        body: { choiceId: choice.id },
      },
    );
    expect(made.status).toBe(200);
    expect(made.body.outcome.reactionsDispatched).toBeGreaterThan(0);
    const generated = (s: GameState) => s.content.some((c) => c.kind === 'reaction' && c.status === 'ready' && c.origin === 'generated');
    if (mode === 'blocking') {
      // The "before" architecture: the answer waited for the model, so the reaction is in it.
      expect(generated(made.body.state)).toBe(true);
      return;
    }
    expect(generated(made.body.state)).toBe(false);
    const later = await eventually(
      async () => (await client.request<GameState>('GET', `/api/games/${gameId}/state`, { token })).body,
      generated,
      30_000,
    );
    expect(generated(later)).toBe(true);
  }, 60_000);
});
