import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Nyx } from '../../src/app/nyx.js';
import { EngineHealth } from '../../src/conflict/engine/engine-health.js';
import { cacheKeys } from '../../src/conflict/domain/cache-contract.js';
import { flowTasks } from '../../src/conflict/flow/contracts.js';
import { stakeholderTasks } from '../../src/conflict/stakeholders/contracts.js';
import { metrics } from '../../src/observability/metrics.js';
import { chainCombiners, DispatchScope, TaskDispatcher, type PendingDispatch } from '../../src/conflict/engine/task-dispatcher.js';
import { RECOVER_WITHIN_MS } from '../../src/conflict/shed-recovery.js';
import { defineTask, type MadeFor } from '../../src/conflict/tasks/task-contract.js';
import { made } from '../../src/conflict/tasks/payload-fields.js';
import type { TaskValue } from '../../src/conflict/tasks/task-value.js';
import { BullMqQueue } from '../../src/runtime/queue/bullmq-queue.js';
import { InProcessQueue } from '../../src/runtime/queue/in-process-queue.js';
import { MIN_BOUND, SlowPathCapacity } from '../../src/runtime/queue/slow-path-capacity.js';
import type { TaskQueue } from '../../src/runtime/queue/task-queue.js';
import { openFeedItem } from '../support/feed.js';
import { eventually, startTestNyx, type Backend } from '../support/nyx-harness.js';
import { describeWithServices, redisUrl, uniquePrefix } from '../support/services.js';

/**
 * The capacity-aware slow path, on both backends: work past the queue's bound is refused by value
 * before it is queued, a job whose item no longer matters ends before its model call, and what was
 * shed is written after all once there is room, newest first.
 */

const contractOf = (value: TaskValue) =>
  defineTask({
    name: `test.${value}`,
    payload: z.object({ ...made, n: z.number().int() }),
    priority: 5,
    dedupe: (p) => `${p.gameId}:${p.n}`,
    dedupeMode: 'first',
    value,
  });

function admission(makeQueue: (concurrency: number) => TaskQueue) {
  const open: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of open.splice(0)) await close();
  });

  it('keeps the backlog within its bound under a flood, calls the model only for what it admitted, and sheds the less valuable first', async () => {
    const concurrency = 2;
    const queue = makeQueue(concurrency);
    const capacity = new SlowPathCapacity(queue, { concurrency });
    const health = new EngineHealth(queue, { failureRate: 0.5 });
    open.push(async () => {
      capacity.stop();
      health.stop();
      await queue.close({ graceMs: 0 });
    });
    const reaction = contractOf('reaction');
    const lore = contractOf('lore');
    let modelCalls = 0;
    for (const contract of [reaction, lore]) {
      queue.defineTask(contract.name, {
        payload: contract.payload,
        handler: async () => {
          modelCalls++;
          await sleep(20);
        },
      });
    }
    await queue.startWorkers();
    const dispatcher = new TaskDispatcher(queue, { capacity, health });

    const admitted = { reaction: 0, lore: 0 };
    let peakBacklog = 0;
    const floodStarted = Date.now();
    for (let n = 0; n < 400; n++) {
      const contract = n % 2 === 0 ? reaction : lore;
      const outcome = await dispatcher.dispatch(contract, { gameId: 'flooded', stateVersion: 1, n });
      if (outcome.status === 'accepted') admitted[contract === reaction ? 'reaction' : 'lore']++;
      // The timer samples every 200 ms; here every 10 dispatches, so the test does not depend on timing.
      if (n % 10 === 9) {
        await capacity.sample();
        const counts = await queue.counts();
        peakBacklog = Math.max(peakBacklog, counts.waiting + counts.delayed);
      }
    }
    const floodMs = Date.now() - floodStarted;
    await eventually(
      () => queue.counts(),
      (counts) => counts.waiting + counts.active + counts.delayed === 0,
    );

    // The bound is at most twice MIN_BOUND; between two samples one process may overshoot it by
    // what it admits (10 here).
    expect(peakBacklog).toBeLessThanOrEqual(2 * MIN_BOUND + 10);
    // The model ran once per admitted job, and no more than the bound plus what the workers finished meanwhile.
    expect(modelCalls).toBe(admitted.reaction + admitted.lore);
    const finishedDuringFlood = Math.ceil((floodMs / 20) * concurrency);
    expect(modelCalls).toBeLessThanOrEqual(2 * MIN_BOUND + concurrency + 10 + finishedDuringFlood);
    expect(modelCalls).toBeLessThan(400);
    // Reactions may fill the whole bound, lore checks 15 % of it.
    expect(admitted.reaction).toBeGreaterThan(2 * admitted.lore);
  });
}

function feedScheduling(backend: Backend) {
  let nyx: Nyx;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ nyx, stop } = await startTestNyx(backend));
  });
  afterAll(async () => stop());

  it('tells a job whether its item is still worth a model call: current, superseded, out of the window, settled or gone', async () => {
    const { gameId } = await nyx.engine.createGame({ scenario: 'village-well', seed: 5 });
    const at = (offsetMs: number) => new Date(Date.now() - 60_000 + offsetMs);
    const item = (subject: { npcId: number }, offsetMs: number) =>
      openFeedItem(nyx.db, gameId, { kind: 'reaction', fallbackText: 'f', stateVersion: 1, subject, createdAt: at(offsetMs) });
    const supersedable = { supersedable: true };
    const older = await item({ npcId: 1 }, 0);
    const other = await item({ npcId: 2 }, 500);
    const newer = await item({ npcId: 1 }, 1_000);

    expect(await nyx.feed.standing(older.id, supersedable)).toBe('superseded');
    // Items whose contract is not supersedable (gossip, beats) each say something of their own.
    expect(await nyx.feed.standing(older.id, { supersedable: false })).toBe('current');
    expect(await nyx.feed.standing(other.id, supersedable)).toBe('current');
    expect(await nyx.feed.standing(newer.id, supersedable)).toBe('current');

    // A newer item that settled on its fallback says nothing new: the older one is worth writing again.
    await nyx.feed.fail(newer.id);
    expect(await nyx.feed.standing(newer.id, supersedable)).toBe('settled');
    expect(await nyx.feed.standing(older.id, supersedable)).toBe('current');

    for (let i = 0; i < 60; i++) {
      await openFeedItem(nyx.db, gameId, { kind: 'gossip', fallbackText: 'g', stateVersion: 1, createdAt: at(2_000 + i) });
    }
    expect(await nyx.feed.standing(other.id, supersedable)).toBe('not_visible');
    expect(await nyx.feed.standing('reaction-gone', supersedable)).toBe('gone');
  });

  it('claims shed items newest first, only recent ones still in view, each once, and never a failed item', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 6 });
    const conflictId = state.conflicts[0]!.id;
    // Older than the scheduled recovery looks (RECOVER_WITHIN_MS), so only this test's claims see them.
    const base = Date.now() - RECOVER_WITHIN_MS - 60_000;
    const shed = async (offsetMs: number, keepsTask = true) => {
      const createdAt = new Date(base + offsetMs);
      const task = {
        name: 'flow.describe_beat',
        payload: { gameId, stateVersion: 1, conflictId, beat: { id: `b${offsetMs}`, type: 'revelation' } },
      };
      return openFeedItem(nyx.db, gameId, {
        kind: 'beat',
        fallbackText: 'f',
        stateVersion: 1,
        status: 'failed',
        createdAt,
        ...(keepsTask ? { task } : {}),
      });
    };
    const tooOld = await shed(-120_000);
    const oldest = await shed(0);
    const middle = await shed(1_000);
    const newest = await shed(2_000);
    const reallyFailed = await shed(3_000, false);

    const since = new Date(base - 60_000);
    const first = await nyx.feed.claimShed(since, 2);
    expect(first.map((claim) => claim.id)).toEqual([newest.id, middle.id]);
    expect(first[0]!.task).toMatchObject({ name: 'flow.describe_beat' });
    expect((await nyx.feed.find(newest.id))?.status).toBe('generating');
    const second = await nyx.feed.claimShed(since, 5);
    expect(second.map((claim) => claim.id)).toEqual([oldest.id]);
    expect(await nyx.feed.claimShed(since, 5)).toEqual([]);
    expect((await nyx.feed.find(tooOld.id))?.status).toBe('failed');
    expect((await nyx.feed.find(reallyFailed.id))?.status).toBe('failed');
  });

  /** A beat item of a fresh game whose stored task fills it, as the hot path would have opened it. */
  async function beatWithTask(seed: number, status: 'generating' | 'failed') {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed });
    const payload = { gameId, stateVersion: 1, conflictId: state.conflicts[0]!.id, beat: { id: `b${seed}`, type: 'revelation' as const } };
    const { id } = await openFeedItem(nyx.db, gameId, { kind: 'beat', fallbackText: 'f', stateVersion: 1, status });
    const task = { name: flowTasks.describeBeat.name, payload: { ...payload, contentId: id } };
    await nyx.db.query(sql`update content_items set task = ${JSON.stringify(task)}::jsonb where id = ${id}`);
    return { id, payload: task.payload };
  }
  const dropped = (reason: string) => droppedCount(flowTasks.describeBeat.name, reason);

  it("writes a shed item after all once the queue has room: the cluster's recovery sends its job", async () => {
    const { id } = await beatWithTask(7, 'failed');
    const written = await eventually(
      () => nyx.feed.find(id),
      (item) => item?.status === 'ready',
      15_000,
    );
    expect(written).toMatchObject({ status: 'ready', origin: 'generated' });
    expect(written!.text).not.toBe('f');
  });

  /** A phase narration item of a fresh game (supersedable), created `agoMs` ago, with the task that fills it stored. */
  async function narrationWithTask(gameId: string, conflictId: number, agoMs: number, toPhase: 'rising' | 'crisis' = 'rising') {
    const payload = { gameId, stateVersion: 1, conflictId, fromPhase: 'emerging' as const, toPhase };
    const { id } = await openFeedItem(nyx.db, gameId, {
      kind: 'narration',
      fallbackText: 'n',
      stateVersion: 1,
      subject: { conflictId },
      createdAt: new Date(Date.now() - agoMs),
    });
    const task = { name: flowTasks.narratePhaseTransition.name, payload: { ...payload, contentId: id } };
    await nyx.db.query(sql`update content_items set task = ${JSON.stringify(task)}::jsonb where id = ${id}`);
    return { id, payload: task.payload };
  }
  const storedRow = async (id: string) =>
    (await nyx.db.query<{ status: string; task: unknown }>(sql`select status, task from content_items where id = ${id}`)).rows[0];
  const narrationDropped = (reason: string) => droppedCount(flowTasks.narratePhaseTransition.name, reason);

  it('sheds a job whose item a newer one of the same subject supersedes (its task kept), and fails one out of the window for good, before any call', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 10 });
    const conflictId = state.conflicts[0]!.id;
    const older = await narrationWithTask(gameId, conflictId, 2_000);
    await narrationWithTask(gameId, conflictId, 1_000, 'crisis');
    const superseded = await narrationDropped('superseded');
    const sent = await nyx.queue.dispatch(flowTasks.narratePhaseTransition.name, older.payload);
    if (sent.status !== 'accepted') throw new Error(`dispatch ${sent.status}`);
    expect(await nyx.queue.waitForJob(sent.jobId, 15_000)).toMatchObject({
      status: 'completed',
      result: { status: 'stale', reason: 'item superseded' },
    });
    expect(await narrationDropped('superseded')).toBeGreaterThan(superseded);
    // Shed, not failed for good: on its fallback for now, its task kept for recovery.
    expect(await storedRow(older.id)).toMatchObject({
      status: 'failed',
      task: expect.objectContaining({ name: flowTasks.narratePhaseTransition.name }),
    });

    // A beat says something of its own (not supersedable): only the window decides.
    const hidden = await beatWithTask(11, 'generating');
    for (let i = 0; i < 60; i++) await openFeedItem(nyx.db, hidden.payload.gameId, { kind: 'gossip', fallbackText: 'g', stateVersion: 1 });
    const notVisible = await dropped('not_visible');
    const hiddenJob = await nyx.queue.dispatch(flowTasks.describeBeat.name, hidden.payload);
    if (hiddenJob.status !== 'accepted') throw new Error(`dispatch ${hiddenJob.status}`);
    expect(await nyx.queue.waitForJob(hiddenJob.jobId, 15_000)).toMatchObject({ result: { status: 'stale', reason: 'item not_visible' } });
    expect(await dropped('not_visible')).toBeGreaterThan(notVisible);
    expect(await storedRow(hidden.id)).toMatchObject({ status: 'failed', task: null });
  });

  it('runs a recovered job whatever its wait and whatever newer item there is: it runs on spare room', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 12 });
    const conflictId = state.conflicts[0]!.id;
    const older = await narrationWithTask(gameId, conflictId, 2_000);
    await narrationWithTask(gameId, conflictId, 1_000, 'crisis');
    const before = { expired: await narrationDropped('expired'), superseded: await narrationDropped('superseded') };
    const sent = await nyx.queue.dispatch(flowTasks.narratePhaseTransition.name, {
      ...older.payload,
      dispatchedAt: Date.now() - 10_000,
      recovered: true,
    });
    if (sent.status !== 'accepted') throw new Error(`dispatch ${sent.status}`);
    expect(await nyx.queue.waitForJob(sent.jobId, 15_000)).toMatchObject({ status: 'completed', result: { status: 'written' } });
    expect(await nyx.feed.find(older.id)).toMatchObject({ status: 'ready', origin: 'generated' });
    expect({ expired: await narrationDropped('expired'), superseded: await narrationDropped('superseded') }).toEqual(before);
  });

  it('sheds a job that waited past the freshness horizon before its model call, without recording it as done, so recovery still writes it', async () => {
    const { id, payload } = await beatWithTask(8, 'generating');
    const expiredBefore = await dropped('expired');
    // Dispatched (as far as the job can tell) ten seconds ago: past SLOW_PATH_HORIZON_MS (3 s).
    const sent = await nyx.queue.dispatch(flowTasks.describeBeat.name, { ...payload, dispatchedAt: Date.now() - 10_000 });
    expect(sent.status).toBe('accepted');
    expect(
      await eventually(
        () => dropped('expired'),
        (count) => count > expiredBefore,
      ),
    ).toBeGreaterThan(expiredBefore);
    const written = await eventually(
      () => nyx.feed.find(id),
      (item) => item?.status === 'ready',
      15_000,
    );
    expect(written).toMatchObject({ status: 'ready', origin: 'generated' });
  });
}

function writingAhead(backend: Backend) {
  let nyx: Nyx;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    // Sixteen workers and a model of 300 ms: a new game keeps them busy for a moment, then they idle.
    ({ nyx, stop } = await startTestNyx(backend, { ANTICIPATE_REACTIONS: 'true', QUEUE_CONCURRENCY: '16', LLM_SIM_LATENCY_MS: '300' }));
  }, 120_000);
  afterAll(async () => stop?.());

  const anticipations = async () => {
    const metric = await metrics.queueDispatches.get();
    return metric.values
      .filter((value) => value.labels.task === stakeholderTasks.anticipateReaction.name)
      .reduce((sum, value) => sum + value.value, 0);
  };
  const ahead = async (outcome: string) =>
    (await metrics.reactionsAhead.get()).values.find((value) => value.labels.outcome === outcome)?.value ?? 0;
  const idle = () =>
    eventually(
      () => nyx.queue.counts(),
      (counts) => counts.waiting + counts.active === 0,
      30_000,
    );
  const firstWithConflict = (state: { choices: Array<{ id: string; conflictId?: number }> }) =>
    state.choices.find((c) => c.conflictId !== undefined)!;

  it('writes reactions ahead only on idle workers, after a choice, and the choice they were written for shows them at once, ready', async () => {
    const { gameId, state: opened } = await nyx.engine.createGame({ scenario: 'village-well', seed: 11 });
    const before = await anticipations();
    // The game's opening work fills the workers: a choice now asks for nothing ahead, nor does a sync.
    const busy = await nyx.queue.counts();
    expect(busy.waiting + busy.active).toBeGreaterThan(0);
    await nyx.engine.makeChoice(gameId, firstWithConflict(opened).id);
    await nyx.engine.getState(gameId);
    expect(await anticipations()).toBe(before);

    await idle();
    await sleep(250); // the capacity's next sample sees the idle workers
    const { state } = await nyx.engine.makeChoice(gameId, firstWithConflict(await nyx.engine.getState(gameId)).id);
    // Turn 2 now: the choice asked idle workers for its first choices' reactions, every stakeholder of the conflict.
    const choice = firstWithConflict(state);
    const cast = state.conflicts.find((c) => c.id === choice.conflictId)!.stakeholders.length;
    const written = await eventually(
      () => nyx.cache.getList(cacheKeys.reactionsAhead(gameId, 2, choice.id)),
      (list) => list.length === cast,
      30_000,
    );
    expect(written.length).toBe(cast);
    expect(await anticipations()).toBeGreaterThanOrEqual(before + cast);

    await idle();
    const usedBefore = await ahead('used');
    const { outcome, state: after } = await nyx.engine.makeChoice(gameId, choice.id);
    const reactions = after.content.filter((item) => item.kind === 'reaction' && item.stateVersion === after.version - 1);
    expect(reactions.length).toBeGreaterThan(0);
    for (const reaction of reactions) expect(reaction).toMatchObject({ status: 'ready', origin: 'generated' });
    expect(outcome.reactionsDispatched).toBe(0);
    expect(await ahead('used')).toBe(usedBefore + reactions.length);
  }, 90_000);
}

/** How many jobs of `task` the slow path dropped for `reason` so far, in this process. */
async function droppedCount(task: string, reason: string): Promise<number> {
  const metric = await metrics.slowPathDropped.get();
  return metric.values.find((value) => value.labels.task === task && value.labels.reason === reason)?.value ?? 0;
}

describe('TaskDispatcher admission', () => {
  function dispatcherWith(options: {
    admits: boolean;
    modelFailing?: boolean;
    budgetSpent?: boolean;
    spare?: boolean;
    speculate?: boolean;
    /** What the queue answers for a payload's `n` (default: accepted). */
    results?: Record<number, 'deduplicated' | 'rejected'>;
  }) {
    const calls: string[] = [];
    const sent: Array<{ name: string; options: unknown }> = [];
    const queue = {
      dispatch: async (name: string, sentPayload: { n: number }, dispatchOptions: unknown) => {
        sent.push({ name, options: dispatchOptions });
        const status = options.results?.[sentPayload.n];
        return status ? { status } : { status: 'accepted', jobId: `job-${sent.length}` };
      },
    } as unknown as TaskQueue;
    const capacity = {
      admit: (share: number, gameId?: string) => (calls.push(`admit ${share} ${gameId}`), options.admits),
      sent: (admitted: boolean) => void calls.push(`sent ${admitted}`),
      release: (count: number) => void calls.push(`release ${count}`),
      spare: options.spare ?? true,
    };
    const dispatcher = new TaskDispatcher(queue, {
      capacity,
      health: { modelFailing: options.modelFailing ?? false },
      ...(options.speculate !== undefined ? { speculate: options.speculate } : {}),
    });
    return { dispatcher: options.budgetSpent ? dispatcher.forSpentBudget() : dispatcher, calls, sent };
  }
  const reaction = contractOf('reaction');
  const lore = contractOf('lore');
  const payload = { gameId: 'g', stateVersion: 1, n: 1 };

  it('admits by value for the game, counts a shed by task, and tells the capacity what it sent', async () => {
    const shedBefore = await droppedCount(lore.name, 'shed');
    const refusing = dispatcherWith({ admits: false });
    expect(await refusing.dispatcher.dispatch(lore, payload)).toEqual({ status: 'skipped', reason: 'shed' });
    expect(refusing.calls).toEqual(['admit 0.15 g']);
    expect(await droppedCount(lore.name, 'shed')).toBe(shedBefore + 1);

    const admitting = dispatcherWith({ admits: true });
    expect(await admitting.dispatcher.dispatch(reaction, payload, { priority: 9, delayMs: 50 })).toMatchObject({ status: 'accepted' });
    expect(admitting.calls).toEqual(['admit 1 g', 'sent true']);
    expect(admitting.sent).toEqual([{ name: reaction.name, options: { dedupeKey: 'g:1', dedupeMode: 'first', priority: 9, delayMs: 50 } }]);
    await admitting.dispatcher.send(lore, payload);
    expect(admitting.calls.at(-1)).toBe('sent false');
    expect(admitting.sent.at(-1)!.options).toStrictEqual({ dedupeKey: 'g:1', dedupeMode: 'first', priority: 5 });
  });

  it('refuses everything for a spent budget, and only work below actions while the model fails', async () => {
    const spent = dispatcherWith({ admits: true, budgetSpent: true });
    expect(spent.dispatcher.admit(reaction)).toBe('budget_spent');
    expect(spent.calls).toEqual([]);
    const failing = dispatcherWith({ admits: true, modelFailing: true });
    expect(failing.dispatcher.admit(lore)).toBe('degraded');
    expect(failing.dispatcher.admit(reaction)).toBeUndefined();
    expect(failing.dispatcher.admit(contractOf('action'))).toBeUndefined();
    expect(failing.dispatcher.admit(contractOf('narration'))).toBe('degraded');
  });

  it('offers spare capacity only while the model is well and the budget unspent, and counts no refused speculation as dropped', async () => {
    expect(dispatcherWith({ admits: true }).dispatcher.spare).toBe(true);
    expect(new DispatchScope(dispatcherWith({ admits: true }).dispatcher, 'g').spare).toBe(true);
    expect(dispatcherWith({ admits: true, spare: false }).dispatcher.spare).toBe(false);
    expect(dispatcherWith({ admits: true, modelFailing: true }).dispatcher.spare).toBe(false);
    expect(dispatcherWith({ admits: true, budgetSpent: true }).dispatcher.spare).toBe(false);
    const speculative = contractOf('speculative');
    const before = await droppedCount(speculative.name, 'shed');
    const refusing = dispatcherWith({ admits: false });
    expect(refusing.dispatcher.admit(speculative, 'g')).toBe('shed');
    expect(refusing.calls).toEqual(['admit 0 g']);
    expect(await droppedCount(speculative.name, 'shed')).toBe(before);
  });

  it('never admits speculative work when it is not wanted, and leaves other work to the capacity', () => {
    const unwanted = dispatcherWith({ admits: true, speculate: false });
    expect(unwanted.dispatcher.admit(contractOf('speculative'), 'g')).toBe('shed');
    expect(unwanted.dispatcher.spare).toBe(false);
    expect(unwanted.dispatcher.admit(lore, 'g')).toBeUndefined();
    expect(unwanted.calls).toEqual(['admit 0.15 g']);
    const wanted = dispatcherWith({ admits: true, speculate: true });
    expect(wanted.dispatcher.admit(contractOf('speculative'), 'g')).toBeUndefined();
    expect(wanted.dispatcher.spare).toBe(true);
  });

  it('sends what a committed request asked for: a refused dispatch is not queued, a duplicate item is discarded, a rejected one settles on its fallback', async () => {
    const refusing = dispatcherWith({ admits: false });
    const refused = new DispatchScope(refusing.dispatcher, 'g');
    expect(refused.dispatch(lore, payload)).toBe(false);
    refused.abandon();
    expect(refusing.calls).toEqual(['admit 0.15 g']); // nothing to release

    const { dispatcher, calls, sent } = dispatcherWith({ admits: true, results: { 2: 'deduplicated', 3: 'rejected' } });
    const scope = new DispatchScope(dispatcher, 'g');
    for (const n of [1, 2, 3]) {
      expect(scope.admit(reaction)).toBeUndefined();
      scope.sendOnCommit(reaction, { ...payload, n }, {}, `item-${n}`);
    }
    expect(scope.dispatch(lore, { ...payload, n: 4 })).toBe(true);
    const discarded: string[] = [];
    const failed: string[] = [];
    const settled = await scope.flush({ discard: async (id) => void discarded.push(id), fail: async (id) => void failed.push(id) });
    expect(settled).toEqual({ discarded: ['item-2'], failed: ['item-3'] });
    expect([discarded, failed]).toEqual([['item-2'], ['item-3']]);
    expect(scope.jobIds).toEqual(['job-1', 'job-4']);
    expect(sent).toHaveLength(4);
    expect(calls.filter((call) => call.startsWith('sent'))).toEqual(['sent true', 'sent true', 'sent true', 'sent true']);
  });

  it('sends what a combiner joined as one job, gives back the room of the others, and settles every item of a joined job that was refused', async () => {
    const { dispatcher, calls, sent } = dispatcherWith({ admits: true, results: { 9: 'rejected' } });
    // Joins every pending task into one, as one call per turn does.
    const joinAll = (pending: readonly PendingDispatch[]): PendingDispatch[] => [
      {
        contract: reaction,
        payload: { ...payload, n: 9 } as MadeFor,
        options: {},
        contentIds: pending.flatMap((p) => p.contentIds),
        admitted: pending.length,
      },
    ];
    const scope = new DispatchScope(dispatcher, 'g', joinAll);
    for (const n of [1, 2, 3]) {
      expect(scope.admit(reaction)).toBeUndefined();
      scope.sendOnCommit(reaction, { ...payload, n }, {}, `item-${n}`);
    }
    const failed: string[] = [];
    const settled = await scope.flush({ discard: async () => undefined, fail: async (id) => void failed.push(id) });
    expect(sent).toHaveLength(1);
    expect(calls.slice(3)).toEqual(['release 2', 'sent true']);
    expect(settled).toEqual({ discarded: [], failed: ['item-1', 'item-2', 'item-3'] });
    expect(failed).toEqual(['item-1', 'item-2', 'item-3']);
  });

  it('chains combiners in order, and has none to chain when none is given', () => {
    expect(chainCombiners([])).toBeUndefined();
    const tag = (label: string) => (pending: readonly PendingDispatch[]) =>
      pending.map((p) => ({ ...p, contentIds: [...p.contentIds, label] }));
    const chained = chainCombiners([tag('a'), tag('b')])!;
    const asked = [{ contract: reaction, payload, options: {}, contentIds: ['x'] }];
    expect(chained(asked).map((p) => p.contentIds)).toEqual([['x', 'a', 'b']]);
    expect(asked[0]!.contentIds).toEqual(['x']);
  });

  it('releases what an abandoned request was admitted, and sends nothing of it', async () => {
    const { dispatcher, calls, sent } = dispatcherWith({ admits: true });
    const scope = new DispatchScope(dispatcher, 'g');
    expect(scope.dispatch(reaction, payload)).toBe(true);
    expect(scope.dispatch(lore, { ...payload, n: 2 })).toBe(true);
    scope.abandon();
    await scope.flush({ discard: async () => undefined, fail: async () => undefined });
    expect(sent).toEqual([]);
    expect(calls).toEqual(['admit 1 g', 'admit 0.15 g', 'release 2']);
  });
});

describe('a fair share between games', () => {
  it('refuses a game past its share of a contended queue while other games still get in, and lets one game use an idle queue', async () => {
    let waiting = 0;
    const queue = { counts: async () => ({ waiting, active: 64, delayed: 0, failed: 0, completed: 0 }), on: () => () => undefined };
    const capacity = new SlowPathCapacity(queue, { concurrency: 64 });
    expect(capacity.bound).toBe(64);
    // Admitted and sent at once, as the dispatcher does.
    const take = (share: number, gameId?: string) => {
      const admitted = capacity.admit(share, gameId);
      if (admitted) capacity.sent(true);
      return admitted;
    };

    // An idle queue: one busy game may take far more than its share (here 64 ÷ 3 games).
    await capacity.sample();
    expect(take(1, 'game-1')).toBe(true);
    expect(take(1, 'game-2')).toBe(true);
    for (let i = 0; i < 30; i++) expect(take(1, 'busy')).toBe(true);

    // Contended from exactly half the bound: the busy game is past its share at once.
    waiting = 32;
    await capacity.sample();
    expect(capacity.fairShare).toBe(22);
    expect(take(1, 'busy')).toBe(false);
    // Eight games admitted lately: each may take 8 per horizon.
    for (let game = 3; game <= 7; game++) expect(take(1, `game-${game}`)).toBe(true);
    expect(capacity.fairShare).toBe(8);
    expect(take(1, 'busy')).toBe(false); // 30 in this horizon already
    for (let i = 0; i < 7; i++) expect(take(1, 'game-1')).toBe(true);
    expect(take(1, 'game-1')).toBe(false);
    expect(take(1, 'game-2')).toBe(true);
    // Essential work is never refused, and work with no game is not counted per game.
    expect(take(Number.POSITIVE_INFINITY, 'game-1')).toBe(true);
    expect(take(1)).toBe(true);
    capacity.stop();
  });
});

describe('admission on the in-process queue', () =>
  admission((concurrency) => new InProcessQueue({ concurrency, attempts: 1, backoff: { delayMs: 10, factor: 2 } })));
describeWithServices('admission on BullMQ', ['redis'], () =>
  admission(
    (concurrency) =>
      new BullMqQueue({ attempts: 1, backoff: { delayMs: 10, factor: 2 }, url: redisUrl!, prefix: uniquePrefix('admission'), concurrency }),
  ),
);
describe('feed scheduling on the embedded backend', () => feedScheduling('embedded'));
describe('writing ahead on the embedded backend', () => writingAhead('embedded'));
describeWithServices('writing ahead on the distributed backend', ['redis', 'postgres'], () => writingAhead('distributed'));
describeWithServices('feed scheduling on the distributed backend', ['redis', 'postgres'], () => feedScheduling('distributed'));
