import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Cache } from '../../runtime/cache/cache.js';
import type { PlannedActions } from '../store/planned-actions.js';
import { hotPath, outsideHotPath, waitOnPurpose, waitWithinBudget } from '../../runtime/hot-path/hot-path.js';
import type { Locks } from '../../runtime/locks/locks.js';
import { logger } from '../../observability/logger.js';
import type { Budget } from '../../runtime/spend/budget.js';
import type { SpendLedger } from '../../runtime/spend/spend-ledger.js';
import type { TaskQueue } from '../../runtime/queue/task-queue.js';
import type { Scenario } from '../scenarios/index.js';
import { isWellFormedChoiceId, outcomeText } from './choices.js';
import { cacheKeys } from '../domain/cache-contract.js';
import type { Random } from '../domain/random.js';
import { decodeFeedCursor, type ContentFeed } from './content-feed.js';
import type { EngineHealth } from './engine-health.js';
import { systemEvent, type EventPayloads } from './events.js';
import { contended, invalid, notFound, stale } from './game-errors.js';
import type { GameHeads } from './game-heads.js';
import { GameLanes } from './game-lanes.js';
import type { ChoiceOutcome, ConflictView, FeedPage, GameApi, GameState, ScenarioSummary, StateSync } from './game-state.js';
import type { GameStore } from '../store/game-store.js';
import type { GameSnapshot } from '../store/game-snapshot.js';
import type { HandlerContext } from './handler-context.js';
import { LostContentRecovery } from './lost-content-recovery.js';
import { SnapshotCache } from './snapshot-cache.js';
import { buildGameState, offeredChoices, startChronicle, withAddedContent, writeChronicleThrough } from './state-view.js';
import { notModified, StateViews } from './state-views.js';
import { SyncTicks } from './sync-ticks.js';
import type { HotPathSubsystem } from './subsystem.js';
import { ConflictSynthesizer } from './synthesizer.js';
import type { TaskCatalog } from '../tasks/task-catalog.js';
import { DispatchScope, type DispatchCombiner, type TaskDispatcher } from './task-dispatcher.js';

/**
 * The game API: every call is one hot-path operation that loads the game, runs the synthesizer's
 * handlers over it, saves what changed, and answers with the new state — without waiting for any
 * model. In the blocking rollback mode (NYX_HOT_PATH=blocking) the same call then waits for the
 * jobs it dispatched before answering: the "before" architecture, kept as a measured switch. With
 * HOT_PATH_WAIT_MS > 0 it waits at most that long, and never past what is left of the operation's
 * budget after its own work (a bounded wait), then answers with fallbacks.
 */
export interface GameEngineDependencies {
  store: GameStore;
  /** The game rows in the cache, moved on by every writer: an unchanged game is read with no statement. */
  heads: GameHeads;
  feed: ContentFeed;
  planned: PlannedActions;
  cache: Cache;
  locks: Locks;
  dispatcher: TaskDispatcher;
  queue: Pick<TaskQueue, 'waitForJob'>;
  health: Pick<EngineHealth, 'degraded'>;
  /** What each game has spent on models, and whether that is its whole budget. */
  budget: Pick<Budget, 'gameCost' | 'gameBudgetSpent'>;
  /** Where player turns are counted, for the model spend per turn. */
  spend: Pick<SpendLedger, 'countTurn'>;
  scenarios: readonly Scenario[];
  /** The subsystems whose handlers run on every event, in this order. */
  subsystems: readonly HotPathSubsystem[];
  /** Their task contracts by name: lost feed items are dispatched again through it. */
  catalog: TaskCatalog;
  /** How a request's tasks are joined before they are sent (the subsystems' `combine`, with ONE_CALL_PER_TURN); default: none. */
  combine?: DispatchCombiner | undefined;
  mode: 'async' | 'blocking';
  waitMs: number;
  /** The least time between two ticks of a game by state syncs (SYNC_TICK_MS, `SyncTicks`); default 0, every sync ticks. */
  syncTickMs?: number;
  /**
   * The rules' dice; default `Math.random`. Fresh for every request: a roll that failed (an NPC
   * that did not act) is rolled again by the next tick, though the game's version did not move.
   */
  random?: Random;
  now?: () => number;
}

const log = logger.child({ module: 'game-engine' });

/** How many times a request runs when other processes keep saving the game under it. */
const WRITE_ATTEMPTS = 4;

/** Seeds are stored as a 32-bit integer. */
const MAX_SEED = 2 ** 31 - 1;

const hashToken = (token: string) => createHash('sha256').update(token).digest();

export class GameEngine implements GameApi {
  private readonly synthesizer: ConflictSynthesizer<HandlerContext>;
  /** One request at a time per game in this process, so a game's snapshot has a single writer. */
  private readonly lanes = new GameLanes();
  private readonly scenarios: Map<string, Scenario>;
  private readonly snapshots: SnapshotCache;
  /** A game's token hash never changes: once read, authorizing a request needs no statement. */
  private readonly tokenHashes = new LRUCache<string, Buffer>({ max: 100_000 });
  private readonly lostContent: LostContentRecovery;
  private readonly views = new StateViews();
  private readonly ticks: SyncTicks;

  constructor(private readonly deps: GameEngineDependencies) {
    this.scenarios = new Map(deps.scenarios.map((s) => [s.id, s]));
    this.synthesizer = new ConflictSynthesizer(deps.subsystems);
    this.snapshots = new SnapshotCache(deps.store, deps.cache, deps.heads);
    this.lostContent = new LostContentRecovery(deps.dispatcher, deps.catalog);
    this.ticks = new SyncTicks(deps.syncTickMs ?? 0, deps.now ?? Date.now);
  }

  async listScenarios(): Promise<ScenarioSummary[]> {
    return [...this.scenarios.values()].map(({ id, title, summary }) => ({ id, title, summary }));
  }

  async createGame(input: { scenario: string; seed?: number }) {
    return hotPath('game.create', async () => {
      const scenario = this.scenarios.get(input.scenario);
      if (!scenario) throw invalid('scenario', `unknown scenario "${input.scenario}"; GET /api/scenarios lists them`);
      if (input.seed !== undefined && !(Number.isInteger(input.seed) && input.seed >= 0 && input.seed <= MAX_SEED)) {
        throw invalid('seed', `expected an integer from 0 to ${MAX_SEED}`);
      }
      const gameId = randomBytes(12).toString('base64url');
      const token = randomBytes(24).toString('base64url');
      const tokenHash = hashToken(token);
      const game = { id: gameId, scenarioId: scenario.id, seed: input.seed ?? randomInt(MAX_SEED), tokenHash: tokenHash.toString('hex') };
      await this.deps.store.insertGame(game);
      await this.deps.heads.advance({ ...game, version: 0, entitiesVersion: 0 });
      await startChronicle(this.deps.cache, gameId);
      this.tokenHashes.set(gameId, tokenHash);
      const npcs = await this.deps.store.insertNpcs(
        gameId,
        scenario.npcs.map((npc) => ({
          key: npc.id,
          name: npc.name,
          description: npc.description,
          traits: npc.traits,
          socialRole: npc.socialRole,
          location: npc.location,
          gossipTendency: npc.gossipTendency,
          reputation: npc.reputation,
        })),
      );
      const npcIdByKey = new Map(npcs.map((npc) => [npc.key, npc.id]));
      const { ctx: opened } = await this.request(gameId, async (ctx) => {
        for (const opening of scenario.conflicts) {
          await this.openConflict(ctx, {
            type: opening.type,
            title: opening.title,
            description: opening.description,
            stakeholders: opening.stakeholders.map((s) => ({
              npcId: npcIdByKey.get(s.npc)!,
              ...(s.role ? { role: s.role } : {}),
              decisionStyle: s.decisionStyle,
              stress: s.stress,
              commitment: s.commitment,
            })),
          });
        }
      });
      return { gameId, token, state: await this.stateOf(opened) };
    });
  }

  async authorize(gameId: string, token: string): Promise<'ok' | 'unknown_game' | 'forbidden'> {
    let expected = this.tokenHashes.get(gameId);
    if (!expected) {
      const game = await this.deps.heads.read(gameId);
      if (!game) return 'unknown_game';
      expected = Buffer.from(game.tokenHash, 'hex');
      this.tokenHashes.set(gameId, expected);
    }
    const given = hashToken(token);
    return expected.length === given.length && timingSafeEqual(expected, given) ? 'ok' : 'forbidden';
  }

  async getState(gameId: string): Promise<GameState> {
    return hotPath('game.state_sync', async () => {
      const state = await this.stateOf(await this.sync(gameId));
      this.recoverLostContent(state);
      return state;
    });
  }

  async syncState(gameId: string, knownTag?: string): Promise<StateSync> {
    return hotPath('game.state_sync', async () => {
      if (knownTag !== undefined) {
        const unchanged = await this.unchangedSinceTick(gameId, knownTag);
        if (unchanged) return unchanged;
      }
      const ctx = await this.sync(gameId);
      const synced = await this.views.sync(gameId, ctx.snapshot.version, this.deps.health.degraded, knownTag, () => this.buildState(ctx));
      // A caller that has this version already was shown its items; the sweep catches what it misses.
      if (!('notModified' in synced)) this.recoverLostContent(synced.state);
      return synced;
    });
  }

  /**
   * A 304 read from the cache alone (the game's head and the planned-actions counter): the game
   * ticked within SYNC_TICK_MS and the client holds its current version. Undefined otherwise.
   */
  private async unchangedSinceTick(gameId: string, knownTag: string): Promise<StateSync | undefined> {
    const rested = await this.ticks.rested(gameId, () => this.deps.cache.version(cacheKeys.plannedActionsLabel(gameId)));
    if (!rested) return undefined;
    const head = await this.deps.heads.read(gameId);
    if (!head) throw notFound('game');
    return notModified(head.version, this.deps.health.degraded, knownTag);
  }

  /** The state_sync handlers over the game: claim planned moves, ask for what is missing. */
  private async sync(gameId: string): Promise<HandlerContext> {
    // A sync asks idle workers for nothing: a player syncs right before choosing as often as while
    // thinking, and work begun then holds a worker for a situation about to pass.
    const { ctx } = await this.request(
      gameId,
      async (ctx) => {
        await this.synthesizer.emit(systemEvent('state_sync', gameId, {}), ctx);
      },
      { askIdleWorkers: false },
    );
    this.ticks.ticked(gameId, ctx.snapshot.plannedActionsSeen);
    return ctx;
  }

  async readFeed(gameId: string, page: { before?: string; limit: number }): Promise<FeedPage> {
    return hotPath('game.read_feed', async () => {
      const before = page.before === undefined ? undefined : decodeFeedCursor(page.before);
      if (page.before !== undefined && !before) throw invalid('before', 'not a feed cursor; use the `next` of the page read before');
      return this.deps.feed.page(gameId, page.limit, before);
    });
  }

  /**
   * Query-then-dispatch for the feed itself: an item the player can see still `generating` long
   * after it opened is asked for again, in the background (the answer does not wait for it).
   */
  private recoverLostContent(state: GameState): void {
    const now = Date.now();
    const overdue = state.content.filter((item) => item.status === 'generating' && this.lostContent.overdue(new Date(item.createdAt), now));
    const due = this.lostContent.notAskedFor(overdue);
    if (due.length === 0) return;
    // Background work: its read waits behind the slow path's, never in front of a player's request.
    void outsideHotPath(() =>
      this.deps.feed
        .tasksOf(due.map((item) => item.id))
        .then((items) => this.lostContent.redispatch(items))
        .catch((error: unknown) => log.warn({ err: error, gameId: state.gameId }, 'lost feed items not dispatched again')),
    );
  }

  async makeChoice(gameId: string, choiceId: string): Promise<{ outcome: ChoiceOutcome; state: GameState }> {
    return hotPath('game.player_choice', async () => {
      const { result, ctx } = await this.request(gameId, async (ctx) => {
        const offered = offeredChoices(ctx, this.scenarios.get(ctx.snapshot.game.scenarioId));
        const choice = offered.find((c) => c.id === choiceId);
        if (!choice) {
          if (isWellFormedChoiceId(choiceId))
            throw stale('choiceId', 'that choice is no longer on offer; fetch the state for the current ones');
          throw invalid('choiceId', 'not a choice id; use one of state.choices[].id');
        }
        const records = await this.synthesizer.emit(
          systemEvent('player_choice', gameId, {
            choiceId,
            label: choice.label,
            choiceType: choice.type,
            ...(choice.conflictId !== undefined ? { conflictId: choice.conflictId } : {}),
            ...(choice.targetNpcId !== undefined ? { targetNpcId: choice.targetNpcId } : {}),
          }),
          ctx,
        );
        // What was written ahead for this turn was read by the handlers above; the next turn starts afresh.
        ctx.snapshot.nextTurn();
        return {
          choiceId,
          label: choice.label,
          text: outcomeText(choice, ctx.snapshot.npcName(choice.targetNpcId)),
          reactionsDispatched: records[0]?.reactionsDispatched ?? 0,
        };
      });
      await this.deps.spend.countTurn();
      return { outcome: result, state: await this.stateOf(ctx) };
    });
  }

  async createConflict(
    gameId: string,
    input: { type: string; npcIds: number[]; title?: string },
  ): Promise<{ conflict: ConflictView; state: GameState }> {
    return hotPath('game.create_conflict', async () => {
      const { result, ctx } = await this.request(gameId, async (ctx) => {
        const npcIds = [...new Set(input.npcIds)];
        if (npcIds.length < 2) throw invalid('npcIds', 'name at least two different NPCs');
        const unknown = npcIds.find((id) => !ctx.snapshot.npcs.has(id));
        if (unknown !== undefined) throw invalid('npcIds', `NPC ${unknown} is not in this game`);
        const names = npcIds.map((id) => ctx.snapshot.npcName(id));
        return this.openConflict(ctx, {
          type: input.type,
          title: input.title ?? `${names[0]} against ${names[1]}`,
          description: `A ${input.type} between ${names.join(', ')}.`,
          stakeholders: npcIds.map((npcId) => ({ npcId })),
        });
      });
      const state = await this.stateOf(ctx);
      return { conflict: state.conflicts.find((c) => c.id === result)!, state };
    });
  }

  async resolveConflict(
    gameId: string,
    conflictId: number,
    input: { outcome: string; winnerNpcIds?: number[] },
  ): Promise<{ state: GameState }> {
    return hotPath('game.resolve_conflict', async () => {
      const { ctx: resolved } = await this.request(gameId, async (ctx) => {
        const conflict = ctx.snapshot.conflicts.get(conflictId);
        if (!conflict) throw notFound('conflict');
        if (conflict.status === 'resolved') throw stale('conflictId', 'this conflict is already resolved');
        const winners = [...new Set(input.winnerNpcIds ?? [])];
        const unknown = winners.find((id) => !ctx.snapshot.npcs.has(id));
        if (unknown !== undefined) throw invalid('winnerNpcIds', `NPC ${unknown} is not in this game`);
        ctx.snapshot.resolveConflict(conflictId, { outcome: input.outcome, winnerNpcIds: winners });
        await this.synthesizer.emit(
          systemEvent('conflict_resolved', gameId, {
            conflictId,
            outcome: input.outcome,
            winnerNpcIds: winners,
            intensity: ctx.snapshot.flows.get(conflictId)?.intensity ?? 0.5,
            playerInvolved: true,
          }),
          ctx,
        );
      });
      return { state: await this.stateOf(resolved) };
    });
  }

  private async openConflict(
    ctx: HandlerContext,
    spec: { type: string; title: string; description: string; stakeholders: EventPayloads['conflict_created']['stakeholders'] },
  ): Promise<number> {
    const [id] = await this.deps.store.allocateIds('conflicts', 1);
    const conflict = {
      id: id!,
      type: spec.type,
      title: spec.title,
      description: spec.description,
      status: 'active' as const,
      resolution: null,
      createdAt: ctx.now(),
    };
    ctx.snapshot.addConflict(conflict);
    await this.synthesizer.emit(
      systemEvent('conflict_created', ctx.snapshot.game.id, { conflictId: conflict.id, stakeholders: spec.stakeholders }),
      ctx,
    );
    return conflict.id;
  }

  /**
   * One request against one game: load, run, save, dispatch, wait as the mode says, and hand back
   * the game as it then stands. Requests for the same game queue behind each other in this process;
   * across processes the save is a compare-and-set, so a request that finds the game saved by
   * another writer since it read it writes nothing, and runs again on the fresh state, read from the
   * database (at most WRITE_ATTEMPTS times). Its jobs are sent only after its save commits, and only
   * the winning save writes the game's head to the cache.
   */
  /** `askIdleWorkers`: after the handlers, the subsystems' spare-capacity work may be asked for (default true). */
  private async request<T>(
    gameId: string,
    run: (ctx: HandlerContext) => Promise<T>,
    options: { askIdleWorkers?: boolean } = {},
  ): Promise<{ result: T; ctx: HandlerContext }> {
    return this.lanes.run(gameId, async () => {
      for (let attempt = 1; ; attempt++) {
        const snapshot = attempt === 1 ? await this.snapshots.load(gameId) : await this.snapshots.reload(gameId);
        if (!snapshot) throw notFound('game');
        // A spent game's tasks would only be refused by the gateway, and those refusals would count as
        // task failures towards degraded mode for every game: it keeps its rule fallbacks instead.
        const budgetSpent = await this.deps.budget.gameBudgetSpent(gameId);
        const ctx = this.context(snapshot, budgetSpent);
        const readVersion = snapshot.version;
        // A request that fails or loses its save sends nothing of what it asked for.
        const { result, hasChanges, added, saved } = await this.runAndSave(ctx, run).catch((error: unknown) => {
          ctx.scope.abandon();
          throw error;
        });
        if (saved.status === 'stale') {
          ctx.scope.abandon();
          if (attempt >= WRITE_ATTEMPTS) throw contended();
          continue;
        }
        if (options.askIdleWorkers ?? true) await this.askIdleWorkers(ctx);
        const versions = { gameId, fromVersion: readVersion, toVersion: snapshot.version };
        // The new version's chronicle before its head, so whoever reads the new head finds its feed
        // window cached; and before the jobs are sent, so a job that starts at once finds its item
        // there (its checks and its prompt's recent lines then need no statement).
        if (hasChanges) {
          await writeChronicleThrough(this.deps.cache, versions, withAddedContent(added, { discarded: [], failed: [] }));
          await this.deps.heads.advance(snapshot.game);
        }
        await this.snapshots.remember(snapshot);
        const settled = await ctx.scope.flush(this.deps.feed);
        // Then once more if a dispatch was refused (its item failed) or a duplicate (its item removed).
        if (hasChanges && settled.discarded.length + settled.failed.length > 0)
          await writeChronicleThrough(this.deps.cache, versions, withAddedContent(added, settled));
        await this.awaitDispatched(ctx.scope);
        const refreshed = this.deps.mode === 'blocking' || this.deps.waitMs > 0 ? await this.reload(gameId, ctx) : ctx;
        return { result, ctx: refreshed };
      }
    });
  }

  /**
   * The subsystems' spare-capacity work, on the state a saved request left, once: the player is
   * about to think about the situation it left. Best effort: its failure never fails the request.
   */
  private async askIdleWorkers(ctx: HandlerContext): Promise<void> {
    if (!ctx.scope.spare) return;
    try {
      for (const subsystem of this.deps.subsystems) await subsystem.spare?.(ctx);
    } catch (error) {
      log.warn({ err: error, gameId: ctx.snapshot.game.id }, 'spare-capacity work not asked for');
    }
  }

  /** Runs one attempt of a request on its snapshot and saves what it changed (compare-and-set). */
  private async runAndSave<T>(ctx: HandlerContext, run: (ctx: HandlerContext) => Promise<T>) {
    const { snapshot } = ctx;
    const result = await run(ctx);
    const hasChanges = snapshot.hasChanges;
    const added = snapshot.addedContent;
    const saved = await this.deps.store.saveSnapshot(snapshot);
    return { result, hasChanges, added, saved };
  }

  /** The state a request answers with: built once per version (and degraded mode) in this process. */
  private stateOf(ctx: HandlerContext): Promise<GameState> {
    return this.views.state(ctx.snapshot.game.id, ctx.snapshot.version, this.deps.health.degraded, () => this.buildState(ctx));
  }

  private buildState(ctx: HandlerContext): Promise<GameState> {
    const scenario = this.scenarios.get(ctx.snapshot.game.scenarioId)!;
    return buildGameState(ctx, scenario, this.deps.subsystems, this.deps.health.degraded, this.deps.budget);
  }

  private async awaitDispatched(scope: DispatchScope): Promise<void> {
    if (scope.jobIds.length === 0) return;
    if (this.deps.mode === 'blocking') await waitOnPurpose(this.deps.queue, scope.jobIds);
    else if (this.deps.waitMs > 0) await waitWithinBudget(this.deps.waitMs, this.deps.queue, scope.jobIds);
  }

  /** After waiting for jobs, the stored game has moved on: read it again for the answer. */
  private async reload(gameId: string, previous: HandlerContext): Promise<HandlerContext> {
    const snapshot = await this.snapshots.load(gameId);
    return snapshot ? this.context(snapshot) : previous;
  }

  private context(snapshot: GameSnapshot, budgetSpent = false): HandlerContext {
    return {
      snapshot,
      store: this.deps.store,
      feed: this.deps.feed,
      planned: this.deps.planned,
      cache: this.deps.cache,
      locks: this.deps.locks,
      scope: new DispatchScope(
        budgetSpent ? this.deps.dispatcher.forSpentBudget() : this.deps.dispatcher,
        snapshot.game.id,
        this.deps.combine,
      ),
      scenario: this.scenarios.get(snapshot.game.scenarioId),
      random: this.deps.random ?? Math.random,
      now: this.deps.now ?? Date.now,
    };
  }
}
