import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateText } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { metrics } from '../../src/observability/metrics.js';
import {
  HotPathBudgetExceeded,
  HotPathEventLoopBlock,
  HotPathViolation,
  assertModelCallAllowed,
  configureHotPath,
  currentHotPathOperation,
  hotPath,
  hotPathSettings,
  outsideHotPath,
  takeHotPathIncidents,
  waitWithinBudget,
} from '../../src/runtime/hot-path/hot-path.js';
import { InProcessQueue } from '../../src/runtime/queue/in-process-queue.js';
import { metricValue } from '../support/metrics.js';

const original = { ...hotPathSettings() };
afterEach(() => void configureHotPath(original));

describe('hotPath()', () => {
  it('reports an operation over its budget; strict mode records it as an incident but still answers', async () => {
    configureHotPath({ enforceMs: 20, strict: false });
    const before = await metricValue(metrics.hotPathBudgetOverruns, { operation: 'test.slow' });
    await expect(hotPath('test.slow', () => sleep(60, 'late'))).resolves.toBe('late');
    expect(await metricValue(metrics.hotPathBudgetOverruns, { operation: 'test.slow' })).toBe(before + 1);
    expect(takeHotPathIncidents()).toEqual([]);

    // The work is done (and saved) by the time the budget is known: failing now would invite a retry that applies it twice.
    configureHotPath({ strict: true });
    await expect(hotPath('test.slow', () => sleep(60, 'saved'))).resolves.toBe('saved');
    const [overrun, ...rest] = takeHotPathIncidents();
    expect(rest).toEqual([]);
    expect(overrun).toBeInstanceOf(HotPathBudgetExceeded);
    expect(overrun).toMatchObject({ operation: 'test.slow', budgetMs: 20 });
    await expect(hotPath('test.fast', async () => 'quick')).resolves.toBe('quick');
    expect(takeHotPathIncidents()).toEqual([]);
  });

  it('times operations that fail as well as those that answer', async () => {
    const count = async () =>
      (await metrics.hotPathDuration.get()).values.find((v) => v.labels.operation === 'test.refuses' && v.metricName?.endsWith('_count'))
        ?.value ?? 0;
    const before = await count();
    await expect(hotPath('test.refuses', async () => Promise.reject(new Error('bad input')))).rejects.toThrow('bad input');
    expect(await count()).toBe(before + 1);
  });

  it('refuses a model call inside a hot-path operation under DISABLE_LLM_IN_HOT_PATH=1, naming both', async () => {
    configureHotPath({ disableLlm: true });
    const error = await hotPath('http.POST /choices', async () => assertModelCallAllowed('stakeholder_reaction')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HotPathViolation);
    expect((error as HotPathViolation).message).toContain('http.POST /choices');
    expect((error as HotPathViolation).message).toContain('stakeholder_reaction');
    expect(takeHotPathIncidents()).toEqual([error]);
    expect(() => assertModelCallAllowed('stakeholder_reaction')).not.toThrow();
  });

  it('fails the operation with the violation even when the code inside caught it', async () => {
    configureHotPath({ disableLlm: true });
    const swallowing = hotPath('tension.state_sync', async () => {
      try {
        assertModelCallAllowed('gossip');
      } catch {
        return 'fallback';
      }
      return 'model';
    });
    await expect(swallowing).rejects.toBeInstanceOf(HotPathViolation);
    // The enclosing request fails with the handler's violation too.
    const nested = hotPath('game.state_sync', () =>
      hotPath('tension.state_sync', async () => void assertModelCallAllowed('gossip')).catch(() => 'caught'),
    );
    await expect(nested).rejects.toMatchObject({ operation: 'tension.state_sync', kind: 'model-call' });
    expect(takeHotPathIncidents()).toHaveLength(2);
  });

  it('logs, counts and records the violation when DISABLE_LLM_IN_HOT_PATH=0, and the operation still answers', async () => {
    configureHotPath({ disableLlm: false });
    const labels = { operation: 'game.state_sync', kind: 'model-call' };
    const before = await metricValue(metrics.hotPathGuardViolations, labels);
    await expect(hotPath('game.state_sync', async () => (assertModelCallAllowed('gossip'), 'answered'))).resolves.toBe('answered');
    expect(await metricValue(metrics.hotPathGuardViolations, labels)).toBe(before + 1);
    const [violation] = takeHotPathIncidents();
    expect(violation).toBeInstanceOf(HotPathViolation);
    expect(violation!.stack).toContain('hot-path.test.ts');
  });

  it('does not follow work handed off with outsideHotPath (what in-process workers do)', async () => {
    let seenInside: string | undefined = 'unset';
    let seenOutside: string | undefined = 'unset';
    await hotPath('game.player_choice', async () => {
      seenInside = currentHotPathOperation();
      await outsideHotPath(async () => {
        seenOutside = currentHotPathOperation();
      });
    });
    expect(seenInside).toBe('game.player_choice');
    expect(seenOutside).toBeUndefined();
  });
});

describe('hotPath() at the boundaries: HTTP, the AI SDK, job waits', () => {
  let server: http.Server;
  let base: string;
  let hits = 0;

  beforeAll(async () => {
    server = http.createServer((_request, response) => {
      hits += 1;
      response.end('{"choices":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Node loads undici on the first fetch(): on a busy machine that alone can hold the loop past the block threshold.
    await (await fetch(`${base}/warm-up`)).text();
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('refuses fetch() inside a hot-path operation before the request leaves, naming method and URL', async () => {
    configureHotPath({ disableLlm: true });
    const before = hits;
    const failure = await hotPath('stakeholders.player_choice', () =>
      fetch(`${base}/v1/chat/completions`, { method: 'POST', body: '{}' }),
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HotPathViolation);
    expect(failure).toMatchObject({ operation: 'stakeholders.player_choice', kind: 'outbound-http' });
    expect((failure as Error).message).toContain(`POST ${base}/v1/chat/completions`);
    expect(hits).toBe(before);
    expect(takeHotPathIncidents()).toEqual([failure]);
    await expect(fetch(`${base}/outside`)).resolves.toMatchObject({ status: 200 });
  });

  it('refuses http.request() inside a hot-path operation', async () => {
    configureHotPath({ disableLlm: true });
    const failure = await hotPath(
      'canon.state_sync',
      () => new Promise((resolve, reject) => http.get(`${base}/v1/chat/completions`, resolve).on('error', reject)),
    ).catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: 'HotPathViolation', kind: 'outbound-http', operation: 'canon.state_sync' });
    expect(takeHotPathIncidents()).toHaveLength(1);
  });

  it('lets the request through in production, counted', async () => {
    configureHotPath({ disableLlm: false });
    const before = await metricValue(metrics.hotPathGuardViolations, { operation: 'flow.state_sync', kind: 'outbound-http' });
    const response = await hotPath('flow.state_sync', () => fetch(`${base}/v1/chat/completions`));
    expect(response.status).toBe(200);
    expect(await metricValue(metrics.hotPathGuardViolations, { operation: 'flow.state_sync', kind: 'outbound-http' })).toBe(before + 1);
    expect(takeHotPathIncidents()).toHaveLength(1);
  });

  it('fails an AI SDK call inside a hot-path operation, even one that never touches the network', async () => {
    configureHotPath({ disableLlm: true });
    const model = new MockLanguageModelV3({
      doGenerate: async () => ({
        content: [{ type: 'text', text: 'a rumour' }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: {
          inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: 1, text: 1, reasoning: 0 },
        },
        warnings: [],
      }),
    });
    const failure = await hotPath('http.GET /api/games/:gameId/state', () => generateText({ model, prompt: 'gossip' })).catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ name: 'HotPathViolation', kind: 'ai-sdk', operation: 'http.GET /api/games/:gameId/state' });
    expect(takeHotPathIncidents()).toHaveLength(1);
    await expect(generateText({ model, prompt: 'outside' })).resolves.toMatchObject({ text: 'a rumour' });
  });

  it('refuses a wait for a job inside a hot-path operation, but not the bounded wait', async () => {
    configureHotPath({ disableLlm: true, enforceMs: 1_000 });
    const queue = new InProcessQueue({ concurrency: 1, attempts: 1, backoff: { delayMs: 10, factor: 2 } });
    queue.defineTask('narrate', { payload: z.unknown(), handler: async () => 'told' });
    await queue.startWorkers();
    try {
      const waited = await hotPath('stakeholders.player_choice', async () => {
        const dispatched = await queue.dispatch('narrate', {});
        if (dispatched.status !== 'accepted') throw new Error('not dispatched');
        return queue.waitForJob(dispatched.jobId);
      }).catch((e: unknown) => e);
      expect(waited).toMatchObject({ name: 'HotPathViolation', kind: 'job-wait', operation: 'stakeholders.player_choice' });
      expect(takeHotPathIncidents()).toHaveLength(1);

      const finished = await hotPath('game.player_choice', async () => {
        const dispatched = await queue.dispatch('narrate', {});
        if (dispatched.status !== 'accepted') throw new Error('not dispatched');
        return waitWithinBudget(500, queue, [dispatched.jobId]);
      });
      expect(finished).toBe(true);
    } finally {
      await queue.close();
    }
  });
});

describe('waitWithinBudget (HOT_PATH_WAIT_MS)', () => {
  it('waits at most what is left of the operation budget after its own work', async () => {
    configureHotPath({ enforceMs: 150 });
    const started = performance.now();
    const settled = await hotPath('game.player_choice', async () => {
      await sleep(100);
      return waitWithinBudget(150, { waitForJob: () => new Promise(() => {}) }, ['held']);
    });
    const tookMs = performance.now() - started;
    expect(settled).toBe(false);
    // 100 ms of work, then at most the ~50 ms left: well under work + HOT_PATH_WAIT_MS (250 ms).
    expect(tookMs).toBeLessThan(230);
    expect(takeHotPathIncidents()).toEqual([]);
  });

  it('does not wait at all once the budget is spent', async () => {
    configureHotPath({ enforceMs: 30 });
    const settled = await hotPath('game.player_choice', async () => {
      await sleep(40);
      const waitStarted = performance.now();
      const result = await waitWithinBudget(30, { waitForJob: () => sleep(25, { status: 'timeout' } as const) }, ['quick']);
      return { result, waitedMs: performance.now() - waitStarted };
    });
    expect(settled.result).toBe(false);
    expect(settled.waitedMs).toBeLessThan(20);
  });
});

describe('event-loop blocks inside a hot-path operation', () => {
  it.each([
    ['Atomics.wait', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250)],
    [
      'a busy loop',
      () => {
        const until = performance.now() + 250;
        while (performance.now() < until);
      },
    ],
    ['execFileSync', () => execFileSync(process.execPath, ['-e', 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250)'])],
  ])('reports %s holding the loop, with the operation name', async (_technique, block) => {
    configureHotPath({ blockMs: 100 });
    const before = await metricValue(metrics.hotPathEventLoopBlocks, { operation: 'tension.player_choice' });
    await hotPath('game.player_choice', () =>
      hotPath('tension.player_choice', async () => {
        await sleep(1);
        block();
      }),
    );
    const incidents = takeHotPathIncidents();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toBeInstanceOf(HotPathEventLoopBlock);
    expect(incidents[0]).toMatchObject({ operations: ['tension.player_choice'] });
    expect((incidents[0] as HotPathEventLoopBlock).heldMs).toBeGreaterThanOrEqual(200);
    expect(await metricValue(metrics.hotPathEventLoopBlocks, { operation: 'tension.player_choice' })).toBe(before + 1);
  });

  it('does not count time spent waiting on I/O', async () => {
    configureHotPath({ blockMs: 100 });
    await hotPath('game.state_sync', () => sleep(300));
    expect(takeHotPathIncidents()).toEqual([]);
  });
});
