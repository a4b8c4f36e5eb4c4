import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Nyx } from '../../src/app/nyx.js';
import { choicesFor, isWellFormedChoiceId } from '../../src/conflict/engine/choices.js';
import { EngineHealth } from '../../src/conflict/engine/engine-health.js';
import { GameSnapshot } from '../../src/conflict/store/game-snapshot.js';
import { systemEvent } from '../../src/conflict/engine/events.js';
import { addReadyContent, dispatchContent } from '../../src/conflict/engine/content-dispatch.js';
import type { HandlerContext } from '../../src/conflict/engine/handler-context.js';
import { ConflictSynthesizer } from '../../src/conflict/engine/synthesizer.js';
import { DispatchScope, TaskDispatcher, type SkipReason } from '../../src/conflict/engine/task-dispatcher.js';
import { decisionContextHash } from '../../src/conflict/stakeholders/rules.js';
import { cacheKeys } from '../../src/conflict/domain/cache-contract.js';
import { flowTasks } from '../../src/conflict/flow/contracts.js';
import { stakeholderTasks } from '../../src/conflict/stakeholders/contracts.js';
import { conflictSubsystems } from '../../src/conflict/subsystems.js';
import { TaskCatalog } from '../../src/conflict/tasks/task-catalog.js';
import { metrics } from '../../src/observability/metrics.js';
import { assertModelCallAllowed, HotPathViolation, takeHotPathIncidents } from '../../src/runtime/hot-path/hot-path.js';
import { InProcessQueue } from '../../src/runtime/queue/in-process-queue.js';
import { SlowPathCapacity } from '../../src/runtime/queue/slow-path-capacity.js';
import type { QueueCounts, TaskQueue } from '../../src/runtime/queue/task-queue.js';
import { openFeedItem } from '../support/feed.js';
import { startTestNyx } from '../support/nyx-harness.js';

describe('ConflictSynthesizer', () => {
  it('runs side effects most urgent first, and one failing handler does not stop the others', async () => {
    const seen: string[] = [];
    const synthesizer = new ConflictSynthesizer<null>([
      {
        name: 'flow',
        handlers: {
          player_choice: async (event) => {
            seen.push(`flow:${event.type}`);
            return {
              sideEffects: [
                systemEvent('tension_changed', 'g', { score: 0.5, previousScore: 0.2 }, { priority: 5 }),
                systemEvent(
                  'edge_case_detected',
                  'g',
                  { kind: 'stakeholder_breaking_point', stakeholderId: 1, conflictId: 1 },
                  { priority: 2 },
                ),
                systemEvent(
                  'phase_transition',
                  'g',
                  { conflictId: 1, fromPhase: 'rising', toPhase: 'confrontation', transitionType: 'natural' },
                  { priority: 4 },
                ),
              ],
            };
          },
          tension_changed: async (event) => void seen.push(`flow:${event.type}`),
          edge_case_detected: async (event) => void seen.push(`flow:${event.type}`),
          phase_transition: async (event) => void seen.push(`flow:${event.type}`),
        },
      },
      {
        name: 'social',
        handlers: {
          player_choice: async () => {
            throw new Error('boom');
          },
        },
      },
      { name: 'canon', handlers: { player_choice: async (event) => ({ data: { saw: event.type } }) } },
    ]);
    const records = await synthesizer.emit(systemEvent('player_choice', 'g', { choiceId: 'c', label: 'l', choiceType: 'observe' }), null);
    expect(seen).toEqual(['flow:player_choice', 'flow:edge_case_detected', 'flow:phase_transition', 'flow:tension_changed']);
    expect(records[0]!.failures.social).toBe('boom');
    expect(records[0]!.responses.canon).toEqual({ saw: 'player_choice' });
  });

  it('lets a hot-path violation through instead of logging it as a failed handler', async () => {
    let later = false;
    const synthesizer = new ConflictSynthesizer<null>([
      { name: 'tension', handlers: { state_sync: async () => void assertModelCallAllowed('tension_summary') } },
      { name: 'canon', handlers: { state_sync: async () => void (later = true) } },
    ]);
    const failure = await synthesizer.emit(systemEvent('state_sync', 'g', {}), null).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HotPathViolation);
    expect(failure).toMatchObject({ operation: 'tension.state_sync', kind: 'model-call' });
    expect(later).toBe(false);
    expect(takeHotPathIncidents()).toEqual([failure]);
  });

  it('times every handler as its own hot-path operation', async () => {
    const synthesizer = new ConflictSynthesizer<null>([{ name: 'tension', handlers: { state_sync: async () => undefined } }]);
    await synthesizer.emit(systemEvent('state_sync', 'g', {}), null);
    const histogram = await metrics.hotPathDuration.get();
    expect(histogram.values.some((v) => v.labels.operation === 'tension.state_sync')).toBe(true);
  });
});

describe('choices', () => {
  const conflict = {
    id: 7,
    title: 'The Dock Rights',
    phase: 'rising',
    stakeholders: [
      { npcId: 1, name: 'Maren', role: 'defender' },
      { npcId: 2, name: 'Lisbet', role: 'instigator' },
    ],
  };

  it('offers confrontation with the agitator and support for the other side, with stable ids', () => {
    const choices = choicesFor([conflict]);
    expect(choices.find((c) => c.type === 'confrontational')).toMatchObject({ targetNpcId: 2, conflictId: 7 });
    expect(choices.find((c) => c.type === 'supportive')).toMatchObject({ targetNpcId: 1 });
    expect(choices.at(-1)!.type).toBe('observe');
    expect(choicesFor([conflict]).map((c) => c.id)).toEqual(choices.map((c) => c.id));
    expect(choices.every((c) => isWellFormedChoiceId(c.id))).toBe(true);
  });

  it('gives a choice a new id once the situation it answered has moved on', () => {
    const before = choicesFor([conflict]).find((c) => c.type === 'confrontational')!;
    const after = choicesFor([{ ...conflict, phase: 'confrontation' }]).find((c) => c.type === 'confrontational')!;
    expect(after.id).not.toBe(before.id);
    expect(isWellFormedChoiceId('hello')).toBe(false);
  });
});

describe('GameSnapshot caching', () => {
  const game = { id: 'g', scenarioId: 's', seed: 1, tokenHash: 'h', version: 3, entitiesVersion: 2 };
  const stored = {
    entitiesVersion: 2,
    plannedActionsSeen: 4,
    autonomyRequestedAt: { 7: 1_000 },
    npcs: [],
    conflicts: [],
    stakeholders: [],
    flows: [],
    reputations: [],
  };

  it('needs no cache write until something changes, and round-trips what it remembers', () => {
    const snapshot = GameSnapshot.fromStored(game, stored);
    expect(snapshot.needsCaching).toBe(false);
    snapshot.sawPlannedActions(4);
    expect(snapshot.needsCaching).toBe(false);
    snapshot.requestedAutonomy(7, 2_000);
    expect(snapshot.needsCaching).toBe(true);
    const again = GameSnapshot.fromStored(game, snapshot.toStored());
    expect(again.autonomyRequestedAt(7)).toBe(2_000);
    expect(again.plannedActionsSeen).toBe(4);
    snapshot.markCached();
    snapshot.markChanged();
    expect(snapshot.needsCaching).toBe(true);
  });
});

describe('graceful degradation', () => {
  const fakeQueue = (counts: Partial<QueueCounts>) => {
    const queue = new InProcessQueue({ concurrency: 1, attempts: 1, backoff: { delayMs: 1, factor: 1 } });
    const withCounts = Object.assign(queue, {
      counts: async () => ({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0, ...counts }),
    });
    return withCounts as TaskQueue;
  };

  it('sheds work by value once the backlog reaches the bound, keeps reactions, reports degraded, and admits again when it drains', async () => {
    let waiting = 0;
    const queue = fakeQueue({});
    // Every worker busy: whatever is admitted waits.
    queue.counts = async () => ({ waiting, active: 40, delayed: 0, failed: 0, completed: 0 });
    TaskCatalog.of(conflictSubsystems).declareOn(queue);
    // No completions measured yet: the bound is the concurrency, 40.
    const capacity = new SlowPathCapacity(queue, { concurrency: 40 });
    expect(capacity.bound).toBe(40);
    const health = new EngineHealth(queue, { failureRate: 0.5 }, undefined, capacity);
    const dispatcher = new TaskDispatcher(queue, { capacity, health });
    const narrate = { gameId: 'g', stateVersion: 1, conflictId: 1, fromPhase: 'seeds', toPhase: 'emerging' } as const;

    waiting = 20; // half the bound: narration (share 0.5) is refused, actions (0.75) and reactions (1) are not
    await capacity.sample();
    expect(health.degraded).toBe(false);
    expect(await dispatcher.dispatch(flowTasks.narratePhaseTransition, narrate)).toEqual({ status: 'skipped', reason: 'shed' });
    expect(health.degraded).toBe(true);
    // Admissions count towards the backlog until the next sample: ten actions fill it to 30 of 40, 0.75.
    for (let i = 0; i < 10; i++) expect(dispatcher.admit(stakeholderTasks.generateAction)).toBeUndefined();
    expect(dispatcher.admit(stakeholderTasks.generateAction)).toBe('shed');
    expect(dispatcher.admit(stakeholderTasks.generateReaction)).toBeUndefined();

    waiting = 40; // at the bound: even reactions wait for room; essential work (a role) never does
    await capacity.sample();
    expect(dispatcher.admit(stakeholderTasks.generateReaction)).toBe('shed');
    expect(dispatcher.admit(stakeholderTasks.adaptRole)).toBeUndefined();

    waiting = 0;
    await capacity.sample();
    expect(dispatcher.admit(flowTasks.narratePhaseTransition)).toBeUndefined();
    capacity.stop();
    health.stop();
    await queue.close();
  });
});

describe('dispatchContent', () => {
  /** A request's context whose dispatcher refuses every task for `refusal`, or admits it (undefined). */
  const context = (
    refusal?: SkipReason,
    answer: { status: string; jobId?: string; reason?: string } = { status: 'accepted', jobId: 'j' },
  ) => {
    const snapshot = GameSnapshot.fromStored(
      { id: 'g', scenarioId: 's', seed: 1, tokenHash: 'h', version: 7, entitiesVersion: 3 },
      {
        entitiesVersion: 3,
        plannedActionsSeen: -1,
        autonomyRequestedAt: {},
        npcs: [],
        conflicts: [],
        stakeholders: [],
        flows: [],
        reputations: [],
      },
    );
    const sent: string[] = [];
    const dispatcher = {
      admit: () => refusal,
      send: async (contract: { name: string }) => (sent.push(contract.name), answer),
    } as unknown as TaskDispatcher;
    const ctx = { snapshot, scope: new DispatchScope(dispatcher) } as unknown as HandlerContext;
    return { ctx, snapshot, sent };
  };
  const beat = { conflictId: 1, beat: { id: 'b', type: 'revelation' as const } };
  const feed = { discard: async () => undefined, fail: async () => undefined };

  it('stages the item with the job that fills it, and sends the job only when the request commits', async () => {
    const { ctx, snapshot, sent } = context();
    expect(dispatchContent(ctx, { kind: 'beat', fallbackText: 'f' }, flowTasks.describeBeat, beat)).toBe(true);
    const [item] = snapshot.pendingWrites().content;
    expect(item).toMatchObject({ gameId: 'g', kind: 'beat', status: 'generating', origin: 'fallback', fallbackText: 'f', stateVersion: 7 });
    expect(item!.task).toMatchObject({
      name: 'flow.describe_beat',
      payload: { gameId: 'g', stateVersion: 7, contentId: item!.id, conflictId: 1 },
    });
    expect(sent).toEqual([]);
    await ctx.scope.flush(feed);
    expect(sent).toEqual(['flow.describe_beat']);
    expect(ctx.scope.jobIds).toEqual(['j']);
  });

  it("writes a shed task's fallback as settled, keeps the task for when the slow path has room, and dispatches nothing", async () => {
    const { ctx, snapshot, sent } = context('shed');
    expect(dispatchContent(ctx, { kind: 'beat', fallbackText: 'f' }, flowTasks.describeBeat, beat)).toBe(false);
    const [item] = snapshot.pendingWrites().content;
    expect(item).toMatchObject({ status: 'failed', origin: 'fallback', fallbackText: 'f', stateVersion: 7 });
    expect(item!.task).toMatchObject({ name: 'flow.describe_beat', payload: { contentId: item!.id, conflictId: 1 } });
    await ctx.scope.flush(feed);
    expect(sent).toEqual([]);
  });

  const shedCount = async (kind: string) =>
    (await metrics.feedItemsShed.get()).values.find((value) => value.labels.kind === kind)?.value ?? 0;

  it('a game that spent its budget settles the item on its fallback for good (no task kept), and counts no shed item', async () => {
    const before = { beat: await shedCount('beat'), gossip: await shedCount('gossip') };
    const { ctx, snapshot, sent } = context('budget_spent');
    expect(dispatchContent(ctx, { kind: 'beat', fallbackText: 'f' }, flowTasks.describeBeat, beat)).toBe(false);
    const [item] = snapshot.pendingWrites().content;
    expect(item).toMatchObject({ status: 'failed', origin: 'fallback', fallbackText: 'f' });
    expect(item!.task ?? null).toBeNull();
    await ctx.scope.flush(feed);
    expect(sent).toEqual([]);
    expect(await shedCount('beat')).toBe(before.beat);

    // A shed one counts once, under its own kind only.
    const shed = context('shed');
    dispatchContent(shed.ctx, { kind: 'gossip', fallbackText: 'g' }, flowTasks.describeBeat, beat);
    expect(await shedCount('gossip')).toBe(before.gossip + 1);
    expect(await shedCount('beat')).toBe(before.beat);
    // And an admitted one not at all.
    dispatchContent(context().ctx, { kind: 'gossip', fallbackText: 'g' }, flowTasks.describeBeat, beat);
    expect(await shedCount('gossip')).toBe(before.gossip + 1);
  });

  it('addReadyContent stages an item ready at once, written by the model unless said otherwise', () => {
    const { ctx, snapshot } = context();
    addReadyContent(ctx, { kind: 'action', text: 'Mara signs.', subject: { npcId: 4, conflictId: 1, npcName: 'Mara' } });
    addReadyContent(ctx, { kind: 'beat', text: 'The dock falls silent.', origin: 'fallback' });
    const [action, rule] = snapshot.pendingWrites().content;
    expect(action).toMatchObject({
      gameId: 'g',
      kind: 'action',
      status: 'ready',
      origin: 'generated',
      text: 'Mara signs.',
      fallbackText: 'Mara signs.',
      stateVersion: 7,
      subject: { npcId: 4, conflictId: 1, npcName: 'Mara' },
    });
    expect(action!.task ?? null).toBeNull();
    expect(rule).toMatchObject({ kind: 'beat', status: 'ready', origin: 'fallback', text: 'The dock falls silent.', subject: {} });
  });

  it('removes the item of a deduplicated job and settles the item of a refused one', async () => {
    for (const [status, expected] of [
      ['deduplicated', 'discard'],
      ['rejected', 'fail'],
    ] as const) {
      const { ctx } = context(undefined, { status, reason: 'r' });
      const settled: string[] = [];
      dispatchContent(ctx, { kind: 'beat', fallbackText: 'f' }, flowTasks.describeBeat, beat);
      await ctx.scope.flush({
        discard: async (id) => void settled.push(`discard ${id}`),
        fail: async (id) => (settled.push(`fail ${id}`), undefined),
      });
      expect(settled).toHaveLength(1);
      expect(settled[0]).toMatch(new RegExp(`^${expected} beat-`));
    }
  });
});

describe('engine rules over a running game', () => {
  let nyx: Nyx;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    // A 10 s model: nothing the hot path does may wait for it.
    ({ nyx, stop } = await startTestNyx('embedded', { LLM_SIM_LATENCY_MS: '10000' }));
  });
  afterAll(async () => stop?.());

  it('answers every game operation in milliseconds while every task takes 10 s', async () => {
    const timed = async <T>(work: () => Promise<T>) => {
      const started = performance.now();
      const value = await work();
      return { value, ms: performance.now() - started };
    };
    const created = await timed(() => nyx.engine.createGame({ scenario: 'harbour-dock-rights', seed: 9 }));
    const { gameId, state } = created.value;
    const sync = await timed(() => nyx.engine.getState(gameId));
    const choice = await timed(() => nyx.engine.makeChoice(gameId, state.choices.find((c) => c.type === 'escalating')!.id));
    const [a, b] = state.scene.npcs;
    const conflict = await timed(() => nyx.engine.createConflict(gameId, { type: 'urgent crisis', npcIds: [a!.id, b!.id] }));
    const resolved = await timed(() =>
      nyx.engine.resolveConflict(gameId, conflict.value.conflict.id, { outcome: 'settled', winnerNpcIds: [a!.id] }),
    );
    // Generous bounds for a loaded machine; `npm run bench` measures the real figures.
    for (const { ms } of [created, sync, choice, conflict, resolved]) expect(ms).toBeLessThan(3_000);
    expect((await nyx.queue.counts()).active + (await nyx.queue.counts()).waiting).toBeGreaterThan(0);
  });

  it('reads the tension bundle from the cache once per state sync, though the handler and the view both need it', async () => {
    const { gameId } = await nyx.engine.createGame({ scenario: 'village-well', seed: 4 });
    const reads: string[] = [];
    const getJson = nyx.cache.getJson.bind(nyx.cache);
    nyx.cache.getJson = (async (key: string, ...rest: unknown[]) => {
      reads.push(key);
      return (getJson as (...args: unknown[]) => unknown)(key, ...rest);
    }) as typeof nyx.cache.getJson;
    try {
      await nyx.engine.getState(gameId);
    } finally {
      nyx.cache.getJson = getJson;
    }
    expect(reads.filter((key) => /:tension_bundle:[^:]+:v\d+$/.test(key))).toHaveLength(1);
  });

  it('never serves a planned action made for a superseded context', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 2 });
    const conflict = state.conflicts[0]!;
    const stakeholder = conflict.stakeholders[0]!;
    const current = decisionContextHash({ id: stakeholder.id, conflictId: conflict.id }, conflict.phase);
    const stale = decisionContextHash({ id: stakeholder.id, conflictId: conflict.id }, 'climax');
    const write = async (contextHash: string, description: string) => {
      await nyx.planned.insert({
        gameId,
        stakeholderId: stakeholder.id,
        conflictId: conflict.id,
        kind: 'action',
        payload: { action_type: 'observant', description, success_probability: 0.5, text: description },
        contextHash,
      });
      await nyx.cache.bump(cacheKeys.plannedActionsLabel(gameId)); // as the slow path does after every ready move
    };
    await write(stale, 'An old plan for a climax that never came');
    await write(current, 'A plan that still fits');
    const synced = await nyx.engine.getState(gameId);
    const texts = synced.content.filter((c) => c.kind === 'action').map((c) => c.text);
    expect(texts).toContain('A plan that still fits');
    expect(texts).not.toContain('An old plan for a climax that never came');
    const again = await nyx.engine.getState(gameId);
    expect(again.content.filter((c) => c.text === 'A plan that still fits')).toHaveLength(1);
  });

  it('invalidates scene bundles when a conflict changes phase', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 4 });
    const label = cacheKeys.socialBundleLabel(gameId);
    const before = await nyx.cache.version(label);
    const conflict = state.conflicts[0]!;
    await nyx.engine.resolveConflict(gameId, conflict.id, { outcome: 'the well is shared' });
    expect(await nyx.cache.version(label)).toBeGreaterThan(before);
  });

  it('settles feed items whose job was lost on their fallback', async () => {
    const { gameId } = await nyx.engine.createGame({ scenario: 'village-well', seed: 6 });
    const orphan = await openFeedItem(nyx.db, gameId, { kind: 'gossip', fallbackText: 'Something was said', stateVersion: 0 });
    expect(await nyx.feed.failAbandoned(new Date(Date.now() - 60_000))).toEqual([]);
    expect(await nyx.feed.failAbandoned(new Date(Date.now() + 1_000))).toContain(gameId);
    expect(await nyx.feed.find(orphan.id)).toMatchObject({ status: 'failed', origin: 'fallback', text: 'Something was said' });
  });

  it('keeps one writer per game: concurrent choices and syncs all land', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 5 });
    const support = state.choices.find((c) => c.type === 'supportive')!;
    const [first, , second] = await Promise.all([
      nyx.engine.makeChoice(gameId, support.id),
      nyx.engine.getState(gameId),
      nyx.engine.makeChoice(gameId, support.id),
    ]);
    // Serialized, each choice saw the other's save: two distinct versions, both past the start.
    expect(first.state.version).toBeGreaterThan(state.version);
    expect(second.state.version).toBeGreaterThan(first.state.version);
  });
});
