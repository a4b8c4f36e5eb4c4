import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Nyx } from '../../src/app/nyx.js';
import type { Kind, KindInput, TurnProseOutput } from '../../src/gateway/index.js';
import { SnapshotCache } from '../../src/conflict/engine/snapshot-cache.js';
import type { PendingDispatch, TaskDispatcher } from '../../src/conflict/engine/task-dispatcher.js';
import { flowTasks } from '../../src/conflict/flow/contracts.js';
import type { ConflictWorkerDeps } from '../../src/conflict/slow-path/task-context.js';
import { TaskContext } from '../../src/conflict/slow-path/task-context.js';
import { stakeholderTasks } from '../../src/conflict/stakeholders/contracts.js';
import { socialTasks } from '../../src/conflict/social/contracts.js';
import type { AnyTaskContract, MadeFor } from '../../src/conflict/tasks/task-contract.js';
import { turnTasks } from '../../src/conflict/turn/contracts.js';
import { oneCallPerTurn } from '../../src/conflict/turn/hot-path.js';
import { reactionFor, turnSlowPath } from '../../src/conflict/turn/slow-path.js';
import { metrics } from '../../src/observability/metrics.js';
import type { JobContext } from '../../src/runtime/queue/task-queue.js';
import { openFeedItem } from '../support/feed.js';
import { eventually, startTestNyx, type Backend } from '../support/nyx-harness.js';
import { describeWithServices } from '../support/services.js';

/**
 * One model call per player turn (ONE_CALL_PER_TURN): a choice's reactions and the narration it set
 * off are joined into one `turn.write_turn` job as the request commits; its worker checks each part
 * before the call, writes each piece where its own task would, and sends a piece the answer left out
 * as its own task.
 */

const calls = async (kind: Kind) =>
  (await metrics.modelCalls.get()).values
    .filter((value) => value.labels.kind === kind && value.labels.outcome === 'ok')
    .reduce((sum, value) => sum + value.value, 0);

const callsBy = async (use: string) => (await metrics.modelCallsByUse.get()).values.find((value) => value.labels.use === use)?.value ?? 0;

const pieces = async (piece: string, outcome: string) =>
  (await metrics.turnPieces.get()).values.find((value) => value.labels.piece === piece && value.labels.outcome === outcome)?.value ?? 0;

/** Statements that write (inserts, updates and data-modifying CTEs) run so far in this process. */
const writeStatements = async () =>
  (await metrics.dbStatements.get()).values
    .filter((value) => ['insert', 'update', 'with'].includes(String(value.labels.statement)))
    .reduce((sum, value) => sum + value.value, 0);

function pending(contract: AnyTaskContract, payload: MadeFor, options: { priority?: number } = {}): PendingDispatch {
  return { contract, payload, options, contentIds: payload.contentId ? [payload.contentId] : [] };
}

describe('oneCallPerTurn', () => {
  const made = { gameId: 'g', stateVersion: 4 };
  const choice = { label: 'Take her side', type: 'supportive' as const, conflictId: 7 };
  const reaction = (stakeholderId: number, eventId = 'e1') =>
    pending(stakeholderTasks.generateReaction, { ...made, contentId: `r${stakeholderId}`, stakeholderId, eventId, choice } as MadeFor, {
      priority: 8,
    });
  const narration = (conflictId: number) =>
    pending(flowTasks.narratePhaseTransition, {
      ...made,
      contentId: `n${conflictId}`,
      conflictId,
      fromPhase: 'rising',
      toPhase: 'climax',
    } as MadeFor);
  const beat = (conflictId: number) =>
    pending(flowTasks.describeBeat, { ...made, contentId: `b${conflictId}`, conflictId, beat: { id: 'x', type: 'twist' } } as MadeFor);
  const gossip = pending(socialTasks.generateGossip, { ...made, contentId: 'g1' } as MadeFor);

  it("joins a choice's reactions and its conflict's narration and beat into one job, and leaves the rest as asked", () => {
    const asked = [reaction(1), gossip, narration(7), reaction(2), beat(9), beat(7), { ...reaction(3), admitted: 2 }];
    const [turn, ...rest] = oneCallPerTurn(asked);
    expect(turn!.contract).toBe(turnTasks.writeTurn);
    expect(turn!.payload).toMatchObject({ gameId: 'g', stateVersion: 4, eventId: 'e1', conflictId: 7, choice });
    expect(turn!.payload.parts!.map((part) => `${part.name} ${part.payload.contentId}`)).toEqual([
      'stakeholders.generate_reaction r1',
      'stakeholders.generate_reaction r2',
      'stakeholders.generate_reaction r3',
      'flow.narrate_phase_transition n7',
      'flow.describe_beat b7',
    ]);
    expect(turn!.contentIds).toEqual(['r1', 'r2', 'r3', 'n7', 'b7']);
    // Five asks, one of which already stood for two: the job gives back the room of the other five.
    expect(turn!.admitted).toBe(6);
    // The most urgent of its parts: a reaction's.
    expect(turn!.options.priority).toBe(8);
    expect(turnTasks.writeTurn.payload.safeParse(turn!.payload).success).toBe(true);
    // Another conflict's beat and the gossip are sent as they were asked.
    expect(rest).toEqual([gossip, beat(9)]);
  });

  it('sends a turn of one piece, and work with no reaction, as it was asked', () => {
    const single = [reaction(1), beat(9)];
    expect(oneCallPerTurn(single)).toEqual(single);
    const noReaction = [narration(7), beat(7)];
    expect(oneCallPerTurn(noReaction)).toEqual(noReaction);
    const noConflict = [reaction(1), reaction(2)].map((p) => ({
      ...p,
      payload: { ...p.payload, choice: { ...choice, conflictId: undefined } },
    }));
    expect(oneCallPerTurn(noConflict)).toEqual(noConflict);
  });

  it("leaves another choice's reactions out of the turn", () => {
    const [turn, ...rest] = oneCallPerTurn([reaction(1), reaction(5, 'e2'), reaction(2)]);
    expect(turn!.contentIds).toEqual(['r1', 'r2']);
    expect(rest.map((p) => p.payload.contentId)).toEqual(['r5']);
  });

  it('joins the reactions of one choice only, up to the most one answer holds', () => {
    const many = Array.from({ length: 10 }, (_, i) => reaction(i + 1));
    const [turn, ...rest] = oneCallPerTurn([...many, reaction(20, 'e2')]);
    expect(turn!.payload.parts).toHaveLength(8);
    expect(rest.map((p) => p.payload.contentId)).toEqual(['r9', 'r10', 'r20']);
  });
});

describe('reactionFor', () => {
  const said = (name: string) => ({
    name,
    reaction_type: 'support' as const,
    emotional_response: 'neutral' as const,
    description: `${name} nods.`,
    relationship_impact: 0,
    stress_impact: 0,
  });
  const names = ['Mara Vell', 'Tomas Reed'];

  it('finds a reactor by name, whatever its case and spacing, and takes each answer once', () => {
    const answer = [said('tomas reed '), said(' MARA VELL')];
    const taken = new Set<number>();
    expect(reactionFor(answer, 'Mara Vell', 0, names, taken)).toBe(answer[1]);
    expect(reactionFor(answer, 'Tomas Reed', 1, names, taken)).toBe(answer[0]);
    expect([...taken].sort()).toEqual([0, 1]);
    expect(reactionFor(answer, 'Mara Vell', 0, names, taken)).toBeUndefined();
  });

  it("takes the answer in the reactor's place when its name is nobody's, never one that names another reactor", () => {
    const misspelt = [said('Mara Vel'), said('Tomas Reed')];
    expect(reactionFor(misspelt, 'Mara Vell', 0, names, new Set())).toBe(misspelt[0]);
    const other = [said('Tomas Reed')];
    expect(reactionFor(other, 'Mara Vell', 0, names, new Set())).toBeUndefined();
    expect(reactionFor(misspelt, 'Mara Vell', 0, names, new Set([0]))).toBeUndefined();
    expect(reactionFor([], 'Mara Vell', 0, names, new Set())).toBeUndefined();
    // Found by name at position 0 is not "not found": the reactor at 1 does not take it in place.
    const first = [said('Ilse Marren'), said('Tomas Reed')];
    expect(reactionFor(first, 'Tomas Reed', 0, names, new Set())).toBe(first[1]);
  });
});

function turns(backend: Backend) {
  let nyx: Nyx;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ nyx, stop } = await startTestNyx(backend));
  }, 60_000);
  afterAll(async () => stop?.());

  const idle = () =>
    eventually(
      () => nyx.queue.counts(),
      (counts) => counts.waiting + counts.active === 0,
      30_000,
    );

  it("writes a choice's reactions with one model call, and the next sync applies each", async () => {
    const { gameId } = await nyx.engine.createGame({ scenario: 'village-well', seed: 21 });
    await idle();
    // Who reacts is rolled: play until a choice asks for two reactions or more.
    for (let turn = 0; turn < 12; turn++) {
      const state = await nyx.engine.getState(gameId);
      await idle();
      const choice = state.choices.find((c) => c.conflictId !== undefined)!;
      const before = { turn: await calls('turn_prose'), alone: await calls('stakeholder_reaction') };
      const { outcome, state: after } = await nyx.engine.makeChoice(gameId, choice.id);
      if (outcome.reactionsDispatched < 2) continue;
      const opened = after.content.filter((item) => item.kind === 'reaction' && item.status === 'generating').map((item) => item.id);
      expect(opened.length).toBe(outcome.reactionsDispatched);
      await idle();
      const written = await Promise.all(opened.map((id) => nyx.feed.find(id)));
      for (const item of written) expect(item).toMatchObject({ status: 'ready', origin: 'generated' });
      expect(await calls('turn_prose')).toBe(before.turn + 1);
      expect(await calls('stakeholder_reaction')).toBe(before.alone);
      // Each reaction is planned once, keyed by its own piece of the job, and the next sync applies it.
      const { rows: planned } = await nyx.db.query<{ count: number }>(
        sql`select count(*)::int as count from planned_stakeholder_actions where game_id = ${gameId} and kind = 'reaction' and status = 'ready'`,
      );
      expect(planned[0]!.count).toBe(outcome.reactionsDispatched);
      await nyx.engine.getState(gameId);
      const { rows: left } = await nyx.db.query<{ count: number }>(
        sql`select count(*)::int as count from planned_stakeholder_actions where game_id = ${gameId} and kind = 'reaction' and status = 'ready'`,
      );
      expect(left[0]!.count).toBe(0);
      return;
    }
    throw new Error('no choice in 12 asked for two reactions');
  }, 90_000);

  /** Two reaction items of a fresh game and the turn job that would fill them. */
  async function turnOfTwo(seed: number) {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed });
    await idle();
    const conflict = state.conflicts[0]!;
    const choice = { label: 'Speak for the well', type: 'diplomatic' as const, conflictId: conflict.id };
    const parts = [];
    for (const stakeholder of conflict.stakeholders.slice(0, 2)) {
      const { id } = await openFeedItem(nyx.db, gameId, {
        kind: 'reaction',
        fallbackText: 'watches',
        stateVersion: state.version,
        subject: { npcId: stakeholder.npcId, conflictId: conflict.id },
      });
      parts.push({
        name: stakeholderTasks.generateReaction.name,
        payload: { gameId, stateVersion: state.version, contentId: id, stakeholderId: stakeholder.id, eventId: `ev-${seed}`, choice },
      });
    }
    const payload = { gameId, stateVersion: state.version, eventId: `ev-${seed}`, conflictId: conflict.id, choice, parts };
    return { gameId, conflict, payload, ids: parts.map((part) => part.payload.contentId) };
  }

  it('checks each part before the call: it writes only the items still wanted, and calls no model when none is', async () => {
    const { payload, ids } = await turnOfTwo(22);
    await nyx.feed.fail(ids[0]!);
    const before = await calls('turn_prose');
    expect((await nyx.queue.dispatch(turnTasks.writeTurn.name, payload)).status).toBe('accepted');
    const written = await eventually(
      () => nyx.feed.find(ids[1]!),
      (item) => item?.status === 'ready',
    );
    expect(written).toMatchObject({ status: 'ready', origin: 'generated' });
    expect(await nyx.feed.find(ids[0]!)).toMatchObject({ status: 'failed', origin: 'fallback' });
    expect(await calls('turn_prose')).toBe(before + 1);

    const { payload: settled, ids: both } = await turnOfTwo(23);
    for (const id of both) await nyx.feed.fail(id);
    const dropped = await droppedCount(stakeholderTasks.generateReaction.name, 'settled');
    await nyx.queue.dispatch(turnTasks.writeTurn.name, settled);
    await idle();
    expect(await droppedCount(stakeholderTasks.generateReaction.name, 'settled')).toBe(dropped + 2);
    expect(await calls('turn_prose')).toBe(before + 1);
  }, 60_000);

  it('sheds every part of a turn that waited past the freshness horizon, before its call, and settles their items at once', async () => {
    const { payload, ids } = await turnOfTwo(29);
    const before = { calls: await calls('turn_prose'), expired: await droppedCount(stakeholderTasks.generateReaction.name, 'expired') };
    // Dispatched (as far as the job can tell) a minute ago: past SLOW_PATH_HORIZON_MS (3 s).
    const sent = await nyx.queue.dispatch(turnTasks.writeTurn.name, { ...payload, dispatchedAt: Date.now() - 60_000 });
    if (sent.status !== 'accepted') throw new Error(`dispatch ${sent.status}`);
    expect(await nyx.queue.waitForJob(sent.jobId, 15_000)).toMatchObject({
      status: 'completed',
      result: { status: 'stale', reason: 'no part is worth writing' },
    });
    expect(await calls('turn_prose')).toBe(before.calls);
    expect(await droppedCount(stakeholderTasks.generateReaction.name, 'expired')).toBe(before.expired + 2);
    // On their fallbacks when the job ends (or already written again by recovery), never left generating.
    for (const id of ids) expect((await nyx.feed.find(id))?.status).not.toBe('generating');
  }, 60_000);

  it('settles every item of a turn the queue gave up on, on its fallback', async () => {
    const { payload, ids } = await turnOfTwo(24);
    // A stakeholder the game does not have: the job fails for good before its call.
    const broken = {
      ...payload,
      parts: [payload.parts[0]!, { ...payload.parts[1]!, payload: { ...payload.parts[1]!.payload, stakeholderId: 999_999 } }],
    };
    const before = (await nyx.store.findGame(payload.gameId))!.version;
    await nyx.queue.dispatch(turnTasks.writeTurn.name, broken);
    const settled = await eventually(
      () => Promise.all(ids.map((id) => nyx.feed.find(id))),
      (items) => items.every((item) => item?.status === 'failed'),
    );
    for (const item of settled) expect(item).toMatchObject({ status: 'failed', origin: 'fallback', text: 'watches' });
    await idle();
    // Each part's own failure hook ran: the reaction that could have been written has its failure on
    // record. On BullMQ the hooks run as the worker hears of the final failure, which can be after
    // the queue counts the job done: read until the hook's row is there (or the wait ends).
    const failed = await eventually(
      async () =>
        (
          await nyx.db.query<{ stakeholder_id: number }>(
            sql`select stakeholder_id from planned_stakeholder_actions where game_id = ${payload.gameId} and kind = 'reaction' and status = 'failed'`,
          )
        ).rows,
      (rows) => rows.length > 0,
      10_000,
    );
    expect(failed).toEqual([{ stakeholder_id: payload.parts[0]!.payload.stakeholderId }]);
    // Its items settled together, in one statement that moved the version on once; a failed plan
    // shows nothing, so nothing more moved it.
    expect((await nyx.store.findGame(payload.gameId))!.version).toBe(before + 1);
  }, 60_000);

  /** A real task context on the game as stored, whose model answers `answer` and whose dispatcher records what it is sent. */
  async function turnContext(gameId: string, answer: TurnProseOutput, key: string) {
    const snapshot = (await new SnapshotCache(nyx.store, nyx.cache, nyx.heads).load(gameId))!;
    const asked: Array<{ kind: Kind; input: unknown }> = [];
    const sent: Array<{ name: string; payload: MadeFor }> = [];
    const gateway = {
      generate: async (kind: Kind, request: { input: KindInput<Kind> }) => (asked.push({ kind, input: request.input }), { value: answer }),
    };
    const deps = {
      gateway,
      store: nyx.store,
      heads: nyx.heads,
      feed: nyx.feed,
      planned: nyx.planned,
      cache: nyx.cache,
      hub: nyx.hub,
      idempotency: nyx.idempotency,
      scenarios: [],
    } as unknown as ConflictWorkerDeps;
    const dispatcher = {
      send: async (contract: AnyTaskContract, sentPayload: MadeFor) => (
        sent.push({ name: contract.name, payload: sentPayload }), { status: 'accepted', jobId: 'j' }
      ),
    };
    const job = { jobId: 'turn-25', attempt: 1, signal: new AbortController().signal } as unknown as JobContext;
    const ctx = new TaskContext(snapshot, deps, dispatcher as unknown as TaskDispatcher, job, key, 8);
    return { ctx, asked, sent };
  }

  it("writes the narration and beat the answer holds, for a turn whose reactions were all dropped, in the conflict's place", async () => {
    const { gameId, conflict, payload } = await turnOfTwo(27);
    const opened = async (kind: 'narration' | 'beat') =>
      (await openFeedItem(nyx.db, gameId, { kind, fallbackText: 'n', stateVersion: payload.stateVersion })).id;
    const [narrationId, beatId] = [await opened('narration'), await opened('beat')];
    const made = { gameId, stateVersion: payload.stateVersion, conflictId: conflict.id };
    const parts = [
      { name: flowTasks.narratePhaseTransition.name, payload: { ...made, contentId: narrationId, fromPhase: null, toPhase: 'emerging' } },
      { name: flowTasks.describeBeat.name, payload: { ...made, contentId: beatId, beat: { id: 'b27', type: 'twist', impact: -0.3 } } },
    ];
    const answer = { reactions: [], phase_narration: 'It begins.', beat: 'Then it turns.' };
    const { ctx, asked, sent } = await turnContext(gameId, answer, 'turn-key-27');
    const written = await pieces('beat', 'written');
    expect(await turnSlowPath[0]!.run({ ...payload, parts } as never, ctx)).toEqual({ status: 'written' });
    expect(asked[0]).toMatchObject({
      input: {
        reactors: [],
        phaseChange: { fromPhase: null, toPhase: 'emerging', transitionType: 'triggered' },
        beat: { id: 'b27', type: 'twist', impact: -0.3 },
        scene: { location: expect.any(String) },
      },
    });
    expect((asked[0]!.input as { scene: { others: string[] } }).scene.others.length).toBeGreaterThan(0);
    expect(sent).toEqual([]);
    expect(await nyx.feed.find(narrationId)).toMatchObject({ status: 'ready', text: 'It begins.' });
    expect(await nyx.feed.find(beatId)).toMatchObject({ status: 'ready', text: 'Then it turns.' });
    expect(await pieces('beat', 'written')).toBe(written + 1);
  }, 60_000);

  it('settles the item of a part this version has no task for, and writes the rest', async () => {
    const { payload, ids } = await turnOfTwo(28);
    const unknown = { ...payload.parts[0]!, name: 'stakeholders.retired_task' };
    const visible = await callsBy('visible');
    const wasted = await callsBy('wasted');
    await nyx.queue.dispatch(turnTasks.writeTurn.name, { ...payload, parts: [unknown, payload.parts[1]!] });
    const [first, second] = await eventually(
      () => Promise.all(ids.map((id) => nyx.feed.find(id))),
      (items) => items.every((item) => item?.status !== 'generating'),
    );
    expect(first).toMatchObject({ status: 'failed', origin: 'fallback' });
    expect(second).toMatchObject({ status: 'ready', origin: 'generated' });
    // Its one call wrote an item players read: goodput counts it as visible.
    await idle();
    expect(await callsBy('visible')).toBe(visible + 1);
    expect(await callsBy('wasted')).toBe(wasted);
  }, 60_000);

  it('writes nothing when the answer holds none of the pieces, and sends each as its own task', async () => {
    const { gameId, payload, ids } = await turnOfTwo(26);
    const { ctx, asked, sent } = await turnContext(gameId, { reactions: [], phase_narration: null, beat: null }, 'turn-key-26');
    const outcome = await turnSlowPath[0]!.run(payload as never, ctx);
    expect(outcome).toMatchObject({ status: 'stale' });
    expect(asked).toHaveLength(1);
    expect(sent.map((s) => s.payload.contentId)).toEqual(ids);
    for (const id of ids) expect(await nyx.feed.find(id)).toMatchObject({ status: 'generating' });
  }, 60_000);

  it('writes what the answer holds, matching reactions by name, and sends each piece it left out as its own task', async () => {
    const { gameId, conflict, payload, ids } = await turnOfTwo(25);
    const { id: narrationId } = await openFeedItem(nyx.db, gameId, {
      kind: 'narration',
      fallbackText: 'n',
      stateVersion: payload.stateVersion,
    });
    const narrationPart = {
      name: flowTasks.narratePhaseTransition.name,
      payload: {
        gameId,
        stateVersion: payload.stateVersion,
        contentId: narrationId,
        conflictId: conflict.id,
        fromPhase: 'rising',
        toPhase: 'confrontation',
      },
    };
    const snapshot = (await new SnapshotCache(nyx.store, nyx.cache, nyx.heads).load(gameId))!;
    const [first, second] = conflict.stakeholders.map((s) => snapshot.npcName(s.npcId));
    // The model answered the second reactor only (under a name in another case), and no narration.
    const answer: TurnProseOutput = {
      reactions: [
        {
          name: second!.toUpperCase(),
          reaction_type: 'support',
          emotional_response: 'relieved',
          description: `${second} nods slowly.`,
          relationship_impact: 0.2,
          stress_impact: -0.1,
        },
      ],
      phase_narration: null,
      beat: null,
    };
    const { ctx, asked, sent } = await turnContext(gameId, answer, 'turn-key-25');
    const leftOut = await pieces('reaction', 'sent_alone');
    const writes = await writeStatements();

    const outcome = await turnSlowPath[0]!.run({ ...payload, parts: [...payload.parts, narrationPart] } as never, ctx);

    expect(outcome).toEqual({ status: 'written' });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      kind: 'turn_prose',
      input: {
        playerChoice: { label: 'Speak for the well', type: 'diplomatic' },
        reactors: [{ name: first }, { name: second }],
        phaseChange: { fromPhase: 'rising', toPhase: 'confrontation', transitionType: 'natural' },
      },
    });
    expect(await nyx.feed.find(ids[1]!)).toMatchObject({ status: 'ready', text: `${second} nods slowly.` });
    expect(await nyx.feed.find(ids[0]!)).toMatchObject({ status: 'generating' });
    expect(sent).toEqual([
      { name: stakeholderTasks.generateReaction.name, payload: payload.parts[0]!.payload },
      { name: flowTasks.narratePhaseTransition.name, payload: narrationPart.payload },
    ]);
    expect(await pieces('reaction', 'sent_alone')).toBe(leftOut + 1);
    // Its moves, its items and the version in one statement.
    expect((await writeStatements()) - writes).toBe(1);
    const { rows: planned } = await nyx.db.query<{ stakeholder_id: number; source_key: string }>(
      sql`select stakeholder_id, source_key from planned_stakeholder_actions where game_id = ${gameId} and kind = 'reaction'`,
    );
    expect(planned).toEqual([
      { stakeholder_id: conflict.stakeholders[1]!.id, source_key: `turn-key-25#reaction:${conflict.stakeholders[1]!.id}` },
    ]);
  }, 60_000);
}

/** How many jobs of `task` the slow path dropped for `reason` so far, in this process. */
async function droppedCount(task: string, reason: string): Promise<number> {
  const metric = await metrics.slowPathDropped.get();
  return metric.values.find((value) => value.labels.task === task && value.labels.reason === reason)?.value ?? 0;
}

function separateCalls(backend: Backend) {
  let nyx: Nyx;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ nyx, stop } = await startTestNyx(backend, { ONE_CALL_PER_TURN: 'false' }));
  }, 60_000);
  afterAll(async () => stop?.());

  it('with ONE_CALL_PER_TURN=false, writes each reaction with its own call', async () => {
    const { gameId } = await nyx.engine.createGame({ scenario: 'village-well', seed: 21 });
    const idle = () =>
      eventually(
        () => nyx.queue.counts(),
        (counts) => counts.waiting + counts.active === 0,
        30_000,
      );
    for (let turn = 0; turn < 12; turn++) {
      await idle();
      const state = await nyx.engine.getState(gameId);
      const choice = state.choices.find((c) => c.conflictId !== undefined)!;
      const before = { turn: await calls('turn_prose'), alone: await calls('stakeholder_reaction') };
      const { outcome } = await nyx.engine.makeChoice(gameId, choice.id);
      if (outcome.reactionsDispatched < 2) continue;
      await idle();
      expect(await calls('stakeholder_reaction')).toBe(before.alone + outcome.reactionsDispatched);
      expect(await calls('turn_prose')).toBe(before.turn);
      return;
    }
    throw new Error('no choice in 12 asked for two reactions');
  }, 90_000);
}

describe('one call per turn on the embedded backend', () => turns('embedded'));
describeWithServices('one call per turn on the distributed backend', ['redis', 'postgres'], () => turns('distributed'));
describe('one call per reaction on the embedded backend', () => separateCalls('embedded'));
describeWithServices('one call per reaction on the distributed backend', ['redis', 'postgres'], () => separateCalls('distributed'));
