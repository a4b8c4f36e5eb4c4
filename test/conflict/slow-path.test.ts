import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CACHE_TTL, cacheKeys, type CanonReference, type CachedCanonRecord } from '../../src/conflict/domain/cache-contract.js';
import type { LoreCheckResult } from '../../src/conflict/domain/canon.js';
import type { ConflictFlow } from '../../src/conflict/domain/flow.js';
import type { SocialBundle } from '../../src/conflict/domain/social.js';
import type { TensionBundle } from '../../src/conflict/domain/tension.js';
import { ContentFeed } from '../../src/conflict/engine/content-feed.js';
import { openFeedItem } from '../support/feed.js';
import type { ContentKind } from '../../src/conflict/engine/game-state.js';
import { GameHeads } from '../../src/conflict/engine/game-heads.js';
import { GameStore } from '../../src/conflict/store/game-store.js';
import { TaskDispatcher } from '../../src/conflict/engine/task-dispatcher.js';
import { decisionContextHash } from '../../src/conflict/stakeholders/rules.js';
import { atmosphereFor } from '../../src/conflict/tension/rules.js';
import { conflictSubsystems } from '../../src/conflict/subsystems.js';
import { TaskCatalog } from '../../src/conflict/tasks/task-catalog.js';
import type { MadeFor, PayloadOf } from '../../src/conflict/tasks/task-contract.js';
import type { stakeholderTasks } from '../../src/conflict/stakeholders/contracts.js';
import { registerConflictWorkers } from '../../src/conflict/slow-path/conflict-workers.js';
import { TaskContext, type ConflictWorkerDeps } from '../../src/conflict/slow-path/task-context.js';
import { SnapshotCache } from '../../src/conflict/engine/snapshot-cache.js';
import type { JobContext } from '../../src/runtime/queue/task-queue.js';
import { loadBundledScenarios } from '../../src/conflict/scenarios/index.js';
import { createGateway, type LlmGateway } from '../../src/gateway/index.js';
import { MemoryCache } from '../../src/runtime/cache/memory-cache.js';
import { CanonLedger } from '../../src/conflict/store/canon-ledger.js';
import { openDatabase, type Database } from '../../src/runtime/db/database.js';
import { PlannedActions } from '../../src/conflict/store/planned-actions.js';
import { canonEvents, conflictFlows, plannedStakeholderActions } from '../../src/conflict/store/schema/index.js';
import { metrics } from '../../src/observability/metrics.js';
import { asSlowPathWork } from '../../src/runtime/hot-path/hot-path.js';
import type { ContentEvent } from '../../src/runtime/hub/content-hub.js';
import { InProcessHub } from '../../src/runtime/hub/in-process-hub.js';
import { MemoryIdempotencyGuard } from '../../src/runtime/idempotency/memory-idempotency-guard.js';
import { InProcessQueue } from '../../src/runtime/queue/in-process-queue.js';
import { MemoryLocks } from '../../src/runtime/locks/memory-locks.js';

/** Generous: two loaded cores, PGlite in memory, a few queries per task. */
const JOB_TIMEOUT_MS = 20_000;
const WAIT = { timeout: JOB_TIMEOUT_MS, interval: 20 };

let db: Database;
let store: GameStore;
let feed: ContentFeed;
let planned: PlannedActions;
let canon: CanonLedger;
let cache: MemoryCache;
let hub: InProcessHub;
const offline = createGateway(
  {
    provider: 'offline',
    baseUrl: undefined,
    apiKey: undefined,
    model: undefined,
    modelByKind: {},
    local: { modelPath: undefined, sequences: 1, gpu: 'off', threads: 0 },
    timeoutMs: 30_000,
    simulated: { latencyMs: { min: 0, max: 0 }, failRate: 0, faults: [], outputChars: 0 },
    prices: {},
    cacheTtlMs: 0,
    recordDir: undefined,
    replay: { dir: undefined, latency: false, onMiss: 'error' },
  },
  { cache: new MemoryCache(), budget: { gameUsd: undefined, hourlyUsd: undefined } },
);

beforeAll(async () => {
  db = await openDatabase({ inMemory: true });
  await db.migrate();
  store = new GameStore(db);
  feed = new ContentFeed(db);
  planned = new PlannedActions(db);
  canon = new CanonLedger(db);
  cache = new MemoryCache();
  hub = new InProcessHub();
});

afterAll(async () => {
  await cache.close();
  await hub.close();
  await db.close();
});

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((stop) => stop()));
});

const catalog = TaskCatalog.of(conflictSubsystems);

/** A worker process in miniature: its own queue (2 attempts, 10 ms backoff) and guard, over the shared stores. */
async function startWorkers(gateway: LlmGateway = offline) {
  const queue = new InProcessQueue({ concurrency: 2, attempts: 2, backoff: { delayMs: 10, factor: 2 } });
  const idempotency = new MemoryIdempotencyGuard();
  const deps: ConflictWorkerDeps = {
    gateway,
    store,
    heads: new GameHeads(store, cache, new MemoryLocks()),
    feed,
    planned,
    canon,
    cache,
    hub,
    idempotency,
    scenarios: await loadBundledScenarios(),
  };
  // Admits everything: these tests run each task on purpose, whatever the queue holds.
  const dispatcher = new TaskDispatcher(queue, {
    capacity: { admit: () => true, sent: () => undefined, release: () => undefined, spare: true },
    health: { modelFailing: false },
  });
  const unsubscribe = await registerConflictWorkers(queue, deps, conflictSubsystems, dispatcher);
  await queue.startWorkers();
  running.push(async () => {
    unsubscribe();
    await queue.close({ graceMs: 0 });
  });
  /** Dispatches through the contract, as the hot path does, and waits for the job's outcome. */
  async function run(name: string, payload: MadeFor & Record<string, unknown>) {
    const dispatched = await dispatcher.dispatch(catalog.get(name)!, payload);
    if (dispatched.status !== 'accepted') throw new Error(`${name} not accepted: ${JSON.stringify(dispatched)}`);
    const outcome = await queue.waitForJob(dispatched.jobId, JOB_TIMEOUT_MS);
    return { jobId: dispatched.jobId, outcome };
  }
  return { queue, run, deps, dispatcher };
}

/** A gateway whose calls go through `before` first (to fail, count, or change the world meanwhile). */
function interceptedGateway(before: (kind: string) => Promise<void> | void): LlmGateway {
  return {
    generate: async (...args: Parameters<LlmGateway['generate']>) => {
      await before(args[0]);
      return offline.generate(...args);
    },
  } as unknown as LlmGateway;
}

const baseFlow = { phase: 'emerging', pacing: 'steady', intensity: 0.6, momentum: 0.2, phaseProgress: 0.3 } as const;

/** A small tavern quarrel: three NPCs, one conflict, two stakeholders, a flow. */
/** Writes a conflict's flow the way the hot path does: through a snapshot save. */
async function saveFlow(gameId: string, flow: ConflictFlow): Promise<void> {
  const snapshot = await store.loadEntities((await store.findGame(gameId))!);
  snapshot.updateFlow(flow.conflictId, flow);
  await store.saveSnapshot(snapshot);
}

async function createGame(options: { stress?: number } = {}) {
  const gameId = `g-${randomUUID().slice(0, 8)}`;
  await store.insertGame({ id: gameId, scenarioId: 'test', seed: 42, tokenHash: 'hash' });
  const [maren, hobb, ilse] = await store.insertNpcs(gameId, [
    {
      key: 'maren',
      name: 'Maren Coble',
      description: 'A chandler with debts',
      traits: ['Proud'],
      socialRole: 'rival',
      location: 'the Gull tavern',
      gossipTendency: 0.2,
    },
    {
      key: 'hobb',
      name: 'Hobb Tallow',
      description: 'The innkeeper',
      traits: ['Watchful'],
      socialRole: 'confidant',
      location: 'the Gull tavern',
      gossipTendency: 0.9,
      reputation: { trustworthy: 0.7 },
    },
    {
      key: 'ilse',
      name: 'Ilse Marren',
      description: 'A harbour clerk',
      traits: ['Sharp'],
      socialRole: 'outsider',
      location: 'the Gull tavern',
      gossipTendency: 0.5,
    },
  ]);
  const conflict = await store.insertConflict(gameId, {
    type: 'power struggle',
    title: 'the harbour toll dispute',
    description: 'Who sets the tolls',
  });
  const [instigator, defender] = await store.insertStakeholders(gameId, [
    {
      npcId: maren!.id,
      conflictId: conflict.id,
      role: 'instigator',
      decisionStyle: 'calculating',
      stress: options.stress ?? 0.4,
      commitment: 0.8,
    },
    { npcId: ilse!.id, conflictId: conflict.id, role: 'defender', decisionStyle: 'principled', stress: 0.3, commitment: 0.6 },
  ]);
  const flow: ConflictFlow = { ...baseFlow, conflictId: conflict.id };
  // Seeded as the hot path's first save would leave it, but at version 0 like the rest of the setup.
  await db.orm.insert(conflictFlows).values({ ...baseFlow, conflictId: conflict.id, gameId });
  return { gameId, maren: maren!, hobb: hobb!, ilse: ilse!, conflict, instigator: instigator!, defender: defender!, flow };
}

type Game = Awaited<ReturnType<typeof createGame>>;

async function openItem(game: Game, kind: ContentKind) {
  return openFeedItem(db, game.gameId, { kind, fallbackText: `fallback ${kind}`, stateVersion: 0 });
}

async function plannedRows(gameId: string) {
  return db.orm.select().from(plannedStakeholderActions).where(eq(plannedStakeholderActions.gameId, gameId));
}

function hubEvents(gameId: string): ContentEvent[] {
  const seen: ContentEvent[] = [];
  running.push(async () => unsubscribe());
  const unsubscribe = hub.subscribe(gameId, ({ event }) => seen.push(event));
  return seen;
}

/** Runs `work` as no job's own, so its statements are not counted as the job's. */
const outsideAnyJob = <T>(work: () => Promise<T>): Promise<T> => asSlowPathWork('test.setup', work);

/** Write statements (anything but a `select`) the slow path ran meanwhile: a job's result should be one. */
async function slowWrites<T>(work: () => Promise<T>): Promise<{ value: T; writes: number }> {
  const count = async () =>
    (await metrics.dbStatements.get()).values
      .filter((v) => v.labels.path === 'slow' && v.labels.statement !== 'select')
      .reduce((sum, v) => sum + v.value, 0);
  const before = await count();
  const value = await work();
  return { value, writes: (await count()) - before };
}

/** The instigator's next move, asked for the context `contextHash` names. */
function actionRequest(game: Game, contextHash: string) {
  return { gameId: game.gameId, stateVersion: 0, stakeholderId: game.instigator.id, contextHash };
}

function reactionPayload(game: Game, contentId: string, eventId = 'evt-1'): PayloadOf<typeof stakeholderTasks.generateReaction> {
  return {
    gameId: game.gameId,
    stateVersion: 0,
    contentId,
    stakeholderId: game.instigator.id,
    eventId,
    choice: { label: 'Accuse Maren of forging the ledgers', type: 'aggressive', conflictId: game.conflict.id },
  };
}

describe('stakeholder tasks', () => {
  it('a reaction completes its content item, inserts a ready reaction row and moves the game version', async () => {
    const { run } = await startWorkers();
    const game = await createGame();
    const item = await openItem(game, 'reaction');

    const { outcome } = await run('stakeholders.generate_reaction', reactionPayload(game, item.id));

    expect(outcome).toMatchObject({ status: 'completed', result: { status: 'written' } });
    const settled = await feed.find(item.id);
    expect(settled).toMatchObject({ status: 'ready', origin: 'generated' });
    expect(settled!.text).not.toBe('fallback reaction');
    expect(settled!.text).toContain('Maren Coble');
    const rows = await plannedRows(game.gameId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kind: 'reaction',
      status: 'ready',
      stakeholderId: game.instigator.id,
      contextHash: 'evt-1',
      priority: 8,
    });
    expect(rows[0]!.payload).toHaveProperty('reaction_type');
    expect((await store.findGame(game.gameId))!.version).toBe(1);
  });

  it("a model call's prompt carries the lines just read: from the cached chronicle of the current version, else the database", async () => {
    const prompts: string[][] = [];
    const recording = {
      generate: async (...args: Parameters<LlmGateway['generate']>) => {
        prompts.push([...(args[1].context?.recent ?? [])]);
        return offline.generate(...args);
      },
    } as unknown as LlmGateway;
    const { run } = await startWorkers(recording);
    const game = await createGame();
    const read = await openItem(game, 'narration');
    await store.settleContents([{ id: read.id, change: { status: 'ready', text: 'The tide turns under the pier.' } }]);
    const fromDatabase = vi.spyOn(feed, 'recent');

    // Nothing cached: the database answers.
    await run('stakeholders.generate_reaction', reactionPayload(game, (await openItem(game, 'reaction')).id));
    expect(fromDatabase).toHaveBeenCalled();
    expect(prompts.at(-1)).toContain('The tide turns under the pier.');

    // The current version's chronicle cached, as every writer keeps it: no statement, its lines.
    const { version } = (await store.findGame(game.gameId))!;
    const window = await feed.recent(game.gameId);
    await cache.setJson(cacheKeys.chronicle(game.gameId, version), {
      content: window.map((item) => (item.status === 'ready' ? { ...item, text: `${item.text} (as cached)` } : item)),
      canon: [],
    });
    fromDatabase.mockClear();
    await run('stakeholders.generate_reaction', reactionPayload(game, (await openItem(game, 'reaction')).id, 'evt-2'));
    expect(fromDatabase).not.toHaveBeenCalled();
    expect(prompts.at(-1)).toContain('The tide turns under the pier. (as cached)');
    fromDatabase.mockRestore();
  });

  it('publishes the job timeline (generating, then ready), the content landing and the new state version', async () => {
    const { run } = await startWorkers();
    const game = await createGame();
    const item = await openItem(game, 'reaction');
    const events = hubEvents(game.gameId);

    const { jobId } = await run('stakeholders.generate_reaction', reactionPayload(game, item.id));

    await vi.waitFor(() => expect(events.filter((e) => e.kind === 'job')).toHaveLength(2), WAIT);
    const [generating, ready] = events.filter((e) => e.kind === 'job');
    expect(generating).toMatchObject({ id: jobId, status: 'generating', origin: 'generated', task: 'stakeholders.generate_reaction' });
    expect(ready).toMatchObject({ id: jobId, status: 'ready', task: 'stakeholders.generate_reaction' });
    expect(typeof ready!.queuedAt).toBe('number');
    expect(ready!.startedAt).toBe(generating!.startedAt);
    expect(ready!.finishedAt as number).toBeGreaterThanOrEqual(ready!.startedAt as number);
    expect(events).toContainEqual(expect.objectContaining({ kind: 'reaction', id: item.id, status: 'ready', origin: 'generated' }));
    expect(events).toContainEqual(expect.objectContaining({ kind: 'state', id: 'state', status: 'ready', version: 1 }));
    // The content lands before the job is reported done.
    expect(events.findIndex((e) => e.kind === 'reaction')).toBeLessThan(events.indexOf(ready!));
  });

  it('a decision for the current context is planned ready, with a readable line, for ten minutes', async () => {
    const { run } = await startWorkers();
    const game = await createGame();
    const contextHash = decisionContextHash(game.instigator, 'emerging');

    const { outcome } = await run('stakeholders.generate_action', { ...actionRequest(game, contextHash), priority: 7 });

    expect(outcome).toMatchObject({ status: 'completed', result: { status: 'written' } });
    const [row] = await planned.peekReady({ gameId: game.gameId, kind: 'action' });
    expect(row).toMatchObject({ stakeholderId: game.instigator.id, contextHash, priority: 7, conflictId: game.conflict.id });
    expect(row!.payload).toMatchObject({ text: expect.stringContaining('Maren Coble') });
    const lifetime = Date.parse(row!.expiresAt!) - Date.now();
    expect(lifetime).toBeGreaterThan(8 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(10 * 60_000);
  });

  it('a decision requested for a context that has passed is dropped before any model call', async () => {
    let modelCalls = 0;
    const { run } = await startWorkers(interceptedGateway(() => void modelCalls++));
    const game = await createGame();
    const passed = decisionContextHash(game.instigator, 'seeds');

    const { outcome } = await run('stakeholders.generate_action', actionRequest(game, passed));

    expect(outcome).toMatchObject({ status: 'completed', result: { status: 'stale' } });
    expect(modelCalls).toBe(0);
    expect(await plannedRows(game.gameId)).toEqual([]);
    expect((await store.findGame(game.gameId))!.version).toBe(0);
  });

  it('a decision whose context passes while the model thinks is kept as expired, never served', async () => {
    let game: Game | undefined;
    const { run } = await startWorkers(interceptedGateway(() => saveFlow(game!.gameId, { ...game!.flow, phase: 'rising' })));
    game = await createGame();
    const contextHash = decisionContextHash(game.instigator, 'emerging');

    const { outcome } = await run('stakeholders.generate_action', actionRequest(game, contextHash));

    expect(outcome).toMatchObject({ status: 'completed', result: { status: 'stale' } });
    const rows = await plannedRows(game.gameId);
    expect(rows.map((r) => r.status)).toEqual(['expired']);
    expect(await planned.claimReady({ gameId: game.gameId })).toEqual([]);
  });

  it("an action checks its context again in the game's cached snapshot, with no read, and lands in one statement", async () => {
    let game: Game | undefined;
    const heads = new GameHeads(store, cache, new MemoryLocks());
    // What a web process does when it saves the phase moving on: the new head and entities written
    // through to the cache. (The database is left behind on purpose: only the cache says it moved.)
    const movedOnInTheCache = async () => {
      const snapshot = await store.loadEntities((await store.findGame(game!.gameId))!);
      snapshot.updateFlow(game!.conflict.id, { ...game!.flow, phase: 'rising' });
      const head = { ...snapshot.game, version: snapshot.game.version + 1, entitiesVersion: snapshot.game.entitiesVersion + 1 };
      await heads.advance(head);
      await cache.setJson(cacheKeys.snapshot(head.id), { ...snapshot.toStored(), entitiesVersion: head.entitiesVersion });
    };
    const { run } = await startWorkers(interceptedGateway(() => outsideAnyJob(movedOnInTheCache)));
    game = await createGame();
    const contextHash = decisionContextHash(game.instigator, 'emerging');
    const statements = async () =>
      (await metrics.dbStatements.get()).values
        .filter((v) => v.labels.operation === 'stakeholders.generate_action')
        .reduce((sum, v) => sum + v.value, 0);
    // The game as every writer leaves it: its head, entities and feed window cached.
    const current = await store.loadEntities((await store.findGame(game.gameId))!);
    await heads.advance(current.game);
    await cache.setJson(cacheKeys.snapshot(game.gameId), current.toStored());
    await cache.setJson(cacheKeys.chronicle(game.gameId, current.game.version), { content: await feed.recent(game.gameId), canon: [] });
    const before = await statements();

    const { outcome } = await run('stakeholders.generate_action', actionRequest(game, contextHash));

    expect(outcome).toMatchObject({ status: 'completed', result: { status: 'stale' } });
    expect((await plannedRows(game.gameId)).map((r) => r.status)).toEqual(['expired']);
    expect((await statements()) - before).toBe(1);
  });

  it('when the model keeps failing, the item ends on its fallback and a failed plan is recorded after the last attempt', async () => {
    let modelCalls = 0;
    const { run } = await startWorkers(
      interceptedGateway(() => {
        modelCalls++;
        throw new Error('model down');
      }),
    );
    const game = await createGame();
    const item = await openItem(game, 'reaction');
    const events = hubEvents(game.gameId);

    const { jobId, outcome } = await run('stakeholders.generate_reaction', reactionPayload(game, item.id));

    expect(outcome).toMatchObject({ status: 'failed' });
    expect(modelCalls).toBe(2);
    await vi.waitFor(
      async () => expect(await feed.find(item.id)).toMatchObject({ status: 'failed', origin: 'fallback', text: 'fallback reaction' }),
      WAIT,
    );
    await vi.waitFor(async () => expect(await plannedRows(game.gameId)).toHaveLength(1), WAIT);
    const [row] = await plannedRows(game.gameId);
    expect(row).toMatchObject({ kind: 'reaction', status: 'failed', contextHash: 'evt-1' });
    expect(row!.error).toContain('model down');
    await vi.waitFor(() => expect(events).toContainEqual(expect.objectContaining({ kind: 'job', id: jobId, status: 'failed' })), WAIT);
    expect(events).toContainEqual(expect.objectContaining({ kind: 'reaction', id: item.id, status: 'failed', origin: 'fallback' }));
    expect(events.find((e) => e.kind === 'job' && e.status === 'failed')!.error).toContain('model down');
  });

  it('a replayed job runs once: it finds its item settled before any model call, and leaves it as the first run wrote it', async () => {
    let modelCalls = 0;
    const { run } = await startWorkers(interceptedGateway(() => void modelCalls++));
    const game = await createGame();
    const item = await openItem(game, 'reaction');

    const once = await run('stakeholders.generate_reaction', reactionPayload(game, item.id));
    const again = await run('stakeholders.generate_reaction', reactionPayload(game, item.id));

    expect(once.outcome).toMatchObject({ status: 'completed', result: { status: 'written' } });
    expect(again.outcome).toMatchObject({ status: 'completed', result: { status: 'stale', reason: 'item settled' } });
    expect(modelCalls).toBe(1);
    expect(await plannedRows(game.gameId)).toHaveLength(1);
    expect(await feed.find(item.id)).toMatchObject({ status: 'ready', origin: 'generated' });
  });

  it('a reaction whose worker died before its result landed wrote nothing; its redelivery plans once and fills its item', async () => {
    const game = await createGame();
    const item = await openItem(game, 'reaction');
    // The planned move lands in the statement that fills the item: a worker that dies before that
    // statement leaves neither, never a move without its line. (From the database's side, exactly a
    // run whose landing statement never came.)
    const died = vi.spyOn(GameHeads.prototype, 'settleContents').mockImplementationOnce(async () => undefined);
    try {
      const { run } = await startWorkers();
      await run('stakeholders.generate_reaction', reactionPayload(game, item.id));
    } finally {
      died.mockRestore();
    }
    expect(await plannedRows(game.gameId)).toHaveLength(0);
    expect(await feed.find(item.id)).toMatchObject({ status: 'generating' });
    // Redelivery lands on another worker process, whose idempotency guard never saw the first run.
    const { run: rerun } = await startWorkers();
    await rerun('stakeholders.generate_reaction', reactionPayload(game, item.id));

    expect(await plannedRows(game.gameId)).toHaveLength(1);
    expect(await feed.find(item.id)).toMatchObject({ status: 'ready', origin: 'generated' });
  });

  it('the same request for two feed items fills both: each item is its own piece of work', async () => {
    let modelCalls = 0;
    const { run } = await startWorkers(interceptedGateway(() => void modelCalls++));
    const game = await createGame();
    const first = await openItem(game, 'reaction');
    const second = await openItem(game, 'reaction');

    await run('stakeholders.generate_reaction', reactionPayload(game, first.id));
    await run('stakeholders.generate_reaction', reactionPayload(game, second.id));

    expect(modelCalls).toBe(2);
    expect(await feed.find(second.id)).toMatchObject({ status: 'ready', origin: 'generated' });
  });

  it('a new decision request at a newer state version is not a duplicate of the last one', async () => {
    const { run } = await startWorkers();
    const game = await createGame();
    const request = {
      gameId: game.gameId,
      stakeholderId: game.instigator.id,
      contextHash: decisionContextHash(game.instigator, 'emerging'),
    };

    await run('stakeholders.generate_action', { ...request, stateVersion: 0 });
    const { outcome } = await run('stakeholders.generate_action', { ...request, stateVersion: 1 });

    expect(outcome).toMatchObject({ status: 'completed', result: { status: 'written' } });
    expect(await planned.peekReady({ gameId: game.gameId, kind: 'action' })).toHaveLength(2);
  });

  it('role adaptation plans the new role; a stakeholder profile is stored on the stakeholder', async () => {
    const { run } = await startWorkers();
    const game = await createGame({ stress: 0.85 });

    const adapted = await run('stakeholders.adapt_role', {
      gameId: game.gameId,
      stateVersion: 0,
      stakeholderId: game.instigator.id,
      phase: 'emerging',
      contextHash: decisionContextHash(game.instigator, 'emerging'),
    });
    const populated = await run('stakeholders.populate_details', {
      gameId: game.gameId,
      stateVersion: 0,
      stakeholderId: game.instigator.id,
    });

    expect(adapted.outcome).toMatchObject({ status: 'completed', result: { status: 'written' } });
    const [row] = await planned.peekReady({ gameId: game.gameId, kind: 'role_adaptation' });
    expect(row!.payload).toEqual({ new_role: expect.any(String), reason: expect.any(String) });
    expect(populated.outcome).toMatchObject({ status: 'completed' });
    expect((await store.findStakeholder(game.instigator.id))!.profile).toHaveProperty('motivations');
  });
});

describe('landing a job', () => {
  /** A job's context over the shared stores, as the runner makes one. */
  async function contextFor(game: Game) {
    const { deps, dispatcher } = await startWorkers();
    const snapshot = (await new SnapshotCache(store, cache, deps.heads).load(game.gameId))!;
    const job = { jobId: `job-${game.gameId}`, attempt: 1, signal: new AbortController().signal } as unknown as JobContext;
    return new TaskContext(snapshot, deps, dispatcher, job, `key-${game.gameId}`, 5);
  }

  /** A job of a fresh game that has filled its reaction item, and the version that fill moved to. */
  async function filledJob() {
    const game = await createGame();
    const item = await openItem(game, 'reaction');
    const ctx = await contextFor(game);
    await ctx.complete(item.id, 'Maren scoffs.');
    return { game, ctx, filledAt: (await store.findGame(game.gameId))!.version };
  }

  it('a move planned after the item was filled still lands, with a version move of its own', async () => {
    const { game, ctx, filledAt } = await filledJob();
    ctx.plan({ stakeholderId: game.instigator.id, kind: 'role_adaptation', payload: { new_role: 'bystander', reason: 'r' } });
    const version = await ctx.land(true);
    expect(version).toBe(filledAt + 1);
    expect((await plannedRows(game.gameId)).map((row) => row.kind)).toEqual(['role_adaptation']);
  });

  it('a job that filled its item and has nothing left only announces the version its fill moved to', async () => {
    const { game, ctx, filledAt } = await filledJob();
    expect(await ctx.land(true)).toBe(filledAt);
    expect((await store.findGame(game.gameId))!.version).toBe(filledAt);
  });

  it('a version move for a game that is gone moves nothing: version 0, nothing added', async () => {
    const heads = new GameHeads(store, cache, new MemoryLocks());
    expect(await heads.addReady('g-gone', [])).toEqual({ version: 0, added: [] });
    expect(await heads.bumpVersion('g-gone')).toBe(0);
  });

  it("the cached snapshot answers only for the head's entities version", async () => {
    const game = await createGame();
    const heads = new GameHeads(store, cache, new MemoryLocks());
    const snapshots = new SnapshotCache(store, cache, heads);
    const current = await store.loadEntities((await store.findGame(game.gameId))!);
    await heads.advance(current.game);
    await cache.setJson(cacheKeys.snapshot(game.gameId), { ...current.toStored(), entitiesVersion: current.game.entitiesVersion - 1 });
    expect(await snapshots.cached(game.gameId)).toBeUndefined();
    await cache.setJson(cacheKeys.snapshot(game.gameId), current.toStored());
    expect((await snapshots.cached(game.gameId))?.flows.get(game.conflict.id)).toMatchObject({ phase: 'emerging' });
    expect(await snapshots.cached('g-gone')).toBeUndefined();
  });
});

describe('bundle tasks', () => {
  it('a social bundle is written under the payload’s cache version, with its gossip listed and in the feed', async () => {
    const { run } = await startWorkers();
    const game = await createGame();

    const { outcome } = await run('social.generate_bundle', {
      gameId: game.gameId,
      stateVersion: 0,
      sceneHash: 'scene-a',
      cacheVersion: 3,
      npcIds: [game.maren.id, game.hobb.id, game.ilse.id],
    });

    expect(outcome).toMatchObject({ status: 'completed' });
    const bundle = await cache.getJson<SocialBundle>(cacheKeys.socialBundle(game.gameId, 'scene-a', 3));
    expect(bundle).toMatchObject({ status: 'ready', reputation_status: 'ready', alliances: [] });
    expect(bundle!.gossip).toHaveLength(1);
    expect(await cache.getJson(cacheKeys.socialBundle(game.gameId, 'scene-a', 0))).toBeUndefined();
    const gossipItems = (await feed.recent(game.gameId)).filter((item) => item.kind === 'gossip');
    expect(gossipItems).toEqual([expect.objectContaining({ status: 'ready', origin: 'generated', text: bundle!.gossip[0]!.content })]);
  });

  it("a bundle's gossip lands with its version move in one statement, is announced, and shows in the new version's chronicle", async () => {
    const { run } = await startWorkers();
    const game = await createGame();
    const events = hubEvents(game.gameId);
    // Version 0's chronicle cached, as a game's first write leaves it: the job writes version 1's from it.
    await cache.setJson(cacheKeys.chronicle(game.gameId, 0), { content: await feed.recent(game.gameId), canon: [] });
    const { value: outcome, writes } = await slowWrites(
      async () =>
        (
          await run('social.generate_bundle', {
            gameId: game.gameId,
            stateVersion: 0,
            sceneHash: 'scene-one',
            cacheVersion: 0,
            npcIds: [game.maren.id, game.hobb.id],
          })
        ).outcome,
    );
    expect(outcome).toMatchObject({ status: 'completed' });
    expect(writes).toBe(1);
    const { version } = (await store.findGame(game.gameId))!;
    expect(version).toBe(1);
    const [gossip] = (await feed.recent(game.gameId)).filter((item) => item.kind === 'gossip');
    expect(gossip).toMatchObject({ status: 'ready', origin: 'generated' });
    expect(events).toContainEqual(
      expect.objectContaining({ kind: 'gossip', id: gossip!.id, status: 'ready', origin: 'generated', text: gossip!.text }),
    );
    const chronicle = await cache.getJson<{ content: Array<{ id: string }> }>(cacheKeys.chronicle(game.gameId, version));
    expect(chronicle?.content.map((item) => item.id)).toEqual([gossip!.id]);
  });

  it('a bundle whose task fails for good settles on its rule fallback, briefly, instead of staying generating', async () => {
    const { run } = await startWorkers(
      interceptedGateway(() => {
        throw new Error('model down');
      }),
    );
    const game = await createGame();
    const events = hubEvents(game.gameId);
    const writes = vi.spyOn(cache, 'setJson');
    const scene = { gameId: game.gameId, stateVersion: 0, sceneHash: 'scene-f', cacheVersion: 2 };

    expect((await run('tension.update_bundle', scene)).outcome).toMatchObject({ status: 'failed' });
    expect((await run('social.generate_bundle', { ...scene, npcIds: [game.maren.id, game.hobb.id] })).outcome).toMatchObject({
      status: 'failed',
    });

    const tensionKey = cacheKeys.tensionBundle(game.gameId, 'scene-f', 2);
    await vi.waitFor(
      async () => expect(await cache.getJson<TensionBundle>(tensionKey)).toMatchObject({ status: 'ready', manifestations: [] }),
      WAIT,
    );
    const tension = (await cache.getJson<TensionBundle>(tensionKey))!;
    expect(tension.atmosphere).toBe(atmosphereFor(tension.tension_level));
    const socialKey = cacheKeys.socialBundle(game.gameId, 'scene-f', 2);
    await vi.waitFor(
      async () => expect(await cache.getJson<SocialBundle>(socialKey)).toMatchObject({ status: 'ready', gossip: [], alliances: [] }),
      WAIT,
    );
    // Kept only briefly, so the model is asked again once it may be back.
    expect(writes).toHaveBeenCalledWith(tensionKey, tension, CACHE_TTL.fallbackBundle);
    expect(writes).toHaveBeenCalledWith(socialKey, expect.anything(), CACHE_TTL.fallbackBundle);
    writes.mockRestore();
    await vi.waitFor(() => expect(events.filter((e) => e.kind === 'state')).toHaveLength(2), WAIT);
  });

  it('a bundle for a newer cache version of the same scene is generated again', async () => {
    const { run } = await startWorkers();
    const game = await createGame();
    const request = { gameId: game.gameId, stateVersion: 0, sceneHash: 'scene-b' };

    await run('tension.update_bundle', { ...request, cacheVersion: 0 });
    const { outcome } = await run('tension.update_bundle', { ...request, cacheVersion: 1 });

    expect(outcome).toMatchObject({ status: 'completed', result: { status: 'written' } });
    for (const version of [0, 1]) {
      const bundle = await cache.getJson<TensionBundle>(cacheKeys.tensionBundle(game.gameId, 'scene-b', version));
      expect(bundle).toMatchObject({ status: 'ready', tension_level: expect.any(String) });
      expect(bundle!.manifestations.length).toBeGreaterThan(0);
    }
  });
});

describe('canon tasks', () => {
  it('canonizing writes the record, the ledger event, the cached record, the item, then the references', async () => {
    const { run } = await startWorkers();
    const game = await createGame();
    const item = await openItem(game, 'canon');
    const requestId = randomUUID();

    const { outcome } = await run('canon.canonize_conflict', {
      gameId: game.gameId,
      stateVersion: 0,
      contentId: item.id,
      conflictId: game.conflict.id,
      requestId,
      resolution: { outcome: 'the tolls were halved', winnerNpcIds: [game.maren.id], intensity: 0.8 },
      significance: 0.75,
    });

    expect(outcome).toMatchObject({ status: 'completed' });
    const record = await store.latestCanonRecord(game.conflict.id);
    expect(record).toMatchObject({ significanceScore: 0.75 });
    const [stored] = await store.canonRecordsOf(game.gameId);
    expect(stored!.tags).toContain(`conflict_id_${game.conflict.id}`);
    const ledger = await db.orm.select().from(canonEvents).where(eq(canonEvents.requestId, requestId));
    expect(ledger).toHaveLength(1);
    expect(ledger[0]!.payload).toMatchObject({ conflictId: game.conflict.id, record: { name: record!.name } });
    expect(await cache.getJson<CachedCanonRecord>(cacheKeys.canonRecord(game.gameId, game.conflict.id))).toMatchObject({
      canonId: record!.canonId,
      name: record!.name,
    });
    expect(await feed.find(item.id)).toMatchObject({ status: 'ready', text: record!.canonText });

    const referencesKey = cacheKeys.canonReferences(game.gameId, game.conflict.id);
    await vi.waitFor(async () => expect((await cache.getJson<CanonReference[]>(referencesKey, [])).length).toBeGreaterThan(0), WAIT);
    const references = await cache.getJson<CanonReference[]>(referencesKey, []);
    const cast = new Map([game.maren, game.hobb, game.ilse].map((npc) => [npc.id, npc.name]));
    for (const reference of references) expect(cast.get(reference.npcId)).toBe(reference.npcName);
    await vi.waitFor(async () => {
      const lines = (await feed.recent(game.gameId)).filter((i) => i.kind === 'reference');
      expect(lines).toHaveLength(references.length);
    }, WAIT);
  });

  it('after the cache lost them, references are restored from the feed, not spoken (or paid for) again', async () => {
    let modelCalls = 0;
    const { run } = await startWorkers(interceptedGateway((kind) => void (kind === 'canon_references' && modelCalls++)));
    const game = await createGame();
    await canon.apply(game.gameId, randomUUID(), { conflictId: game.conflict.id });
    await store.insertCanonRecord(game.gameId, {
      conflictId: game.conflict.id,
      eventType: 'legendary_moment',
      name: 'The Toll War',
      canonText: 'The tolls were halved.',
      significanceScore: 0.8,
      culturalImpact: 'high',
      tags: [],
    });
    const payload = { gameId: game.gameId, stateVersion: 0, conflictId: game.conflict.id };
    const referencesKey = cacheKeys.canonReferences(game.gameId, game.conflict.id);
    await run('canon.generate_references', payload);
    const spoken = await cache.getJson<CanonReference[]>(referencesKey, []);
    expect(spoken.length).toBeGreaterThan(0);

    // A cache flush loses the idempotency keys with the references: a fresh guard stands for it.
    await cache.deleteKeys(referencesKey);
    const { run: runAfterFlush } = await startWorkers(interceptedGateway((kind) => void (kind === 'canon_references' && modelCalls++)));
    const again = await runAfterFlush('canon.generate_references', payload);

    expect(again.outcome).toMatchObject({ status: 'completed', result: { status: 'stale' } });
    expect(modelCalls).toBe(1);
    expect(await cache.getJson<CanonReference[]>(referencesKey, [])).toEqual(spoken);
    const lines = (await feed.recent(game.gameId)).filter((i) => i.kind === 'reference');
    expect(lines).toHaveLength(spoken.length);
  });

  it('a lore check overwrites the placeholder with its verdict', async () => {
    const { run } = await startWorkers();
    const game = await createGame();
    const key = cacheKeys.loreCheck(game.gameId, 'general', 'abcdef0123456789');
    await cache.setJson(key, { is_compliant: true, conflicts: [], needs_review: true, status: 'pending' }, 60);

    await run('canon.check_lore', {
      gameId: game.gameId,
      stateVersion: 0,
      content: 'power struggle at the Gull tavern with 2 participants',
      category: 'general',
      contentHash: 'abcdef0123456789',
    });

    expect(await cache.getJson<LoreCheckResult>(key)).toMatchObject({ status: 'checked', is_compliant: expect.any(Boolean) });
  });
});

describe('narration tasks', () => {
  it('each completes its item with the generated prose', async () => {
    const { run } = await startWorkers();
    const game = await createGame();
    const base = { gameId: game.gameId, stateVersion: 0, conflictId: game.conflict.id };
    const cases = [
      {
        kind: 'narration',
        run: (contentId: string) => run('flow.narrate_phase_transition', { ...base, contentId, fromPhase: null, toPhase: 'emerging' }),
      },
      {
        kind: 'beat',
        run: (contentId: string) => run('flow.describe_beat', { ...base, contentId, beat: { id: 'b1', type: 'betrayal', impact: -0.2 } }),
      },
      {
        kind: 'escalation',
        run: (contentId: string) => run('tension.narrate_escalation', { ...base, contentId, event: { type: 'escalation', score: 0.8 } }),
      },
      {
        kind: 'reputation',
        run: (contentId: string) =>
          run('social.narrate_reputation', {
            gameId: game.gameId,
            stateVersion: 0,
            contentId,
            npcId: game.hobb.id,
            reputationType: 'trustworthy',
            oldScore: 0.7,
            newScore: 0.4,
            timestamp: '2026-01-01T00:00:00Z',
          }),
      },
    ] as const;
    for (const testCase of cases) {
      const item = await openItem(game, testCase.kind);
      const { outcome } = await testCase.run(item.id);
      expect(outcome, testCase.kind).toMatchObject({ status: 'completed' });
      const filled = await feed.find(item.id);
      expect(filled, testCase.kind).toMatchObject({ status: 'ready', origin: 'generated' });
      expect(filled!.text, testCase.kind).not.toBe(`fallback ${testCase.kind}`);
    }
  });

  it('gossip fills its item, manifestations are cached, and an alliance is stored and announced', async () => {
    const { run } = await startWorkers();
    const game = await createGame();
    const item = await openItem(game, 'gossip');

    await run('social.generate_gossip', {
      gameId: game.gameId,
      stateVersion: 0,
      contentId: item.id,
      sceneHash: 'scene-c',
      targetNpcIds: [game.maren.id],
      topic: 'scene',
    });
    await run('tension.generate_manifestations', { gameId: game.gameId, stateVersion: 0, sceneHash: 'scene-c', level: 'rising' });
    await run('social.form_alliance', {
      gameId: game.gameId,
      stateVersion: 0,
      initiatorId: game.maren.id,
      targetId: game.hobb.id,
      reason: 'mutual_benefit',
    });

    const gossip = await feed.find(item.id);
    expect(gossip).toMatchObject({ status: 'ready', origin: 'generated' });
    expect(gossip!.text).not.toBe('fallback gossip');
    expect((await cache.getJson<string[]>(cacheKeys.manifestations(game.gameId, 'scene-c')))!.length).toBeGreaterThan(0);
    const [alliance] = await store.activeAlliances(game.gameId, [game.hobb.id]);
    expect(alliance).toMatchObject({ party1Id: game.maren.id, party2Id: game.hobb.id });
    const announced = (await feed.recent(game.gameId)).find((i) => i.kind === 'alliance');
    expect(announced?.text).toContain('Maren Coble and Hobb Tallow');
  });

  it('an alliance, its line in the feed and the version move are one statement; a bundle of the scene lists the pact once', async () => {
    const { run } = await startWorkers();
    const game = await createGame();
    const { version: before } = (await store.findGame(game.gameId))!;
    const { writes } = await slowWrites(() =>
      run('social.form_alliance', {
        gameId: game.gameId,
        stateVersion: 0,
        initiatorId: game.ilse.id,
        targetId: game.hobb.id,
        reason: 'mutual_benefit',
      }),
    );
    expect(writes).toBe(1);
    expect((await store.findGame(game.gameId))!.version).toBe(before + 1);
    // Found by either party, once when both are asked about.
    for (const npcIds of [[game.ilse.id], [game.hobb.id], [game.ilse.id, game.hobb.id]])
      expect(await store.activeAlliances(game.gameId, npcIds)).toEqual([
        expect.objectContaining({ party1Id: game.ilse.id, party2Id: game.hobb.id }),
      ]);
    expect(await store.activeAlliances(game.gameId, [game.maren.id])).toEqual([]);
    expect(await store.activeAlliances(game.gameId, [])).toEqual([]);
    await run('social.generate_bundle', {
      gameId: game.gameId,
      stateVersion: 1,
      sceneHash: 'scene-pact',
      cacheVersion: 0,
      npcIds: [game.ilse.id, game.hobb.id, game.maren.id],
    });
    const bundle = await cache.getJson<SocialBundle>(cacheKeys.socialBundle(game.gameId, 'scene-pact', 0));
    expect(bundle!.alliances).toEqual([expect.objectContaining({ party1_id: game.ilse.id, party2_id: game.hobb.id })]);
  });
});
