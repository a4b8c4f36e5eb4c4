import type { SQL } from 'drizzle-orm';
import type { ConflictSnapshot, Kind, KindInput, KindOutput, LlmGateway, StorySetting } from '../../gateway/index.js';
import type { GameHeads } from '../engine/game-heads.js';
import { SnapshotCache } from '../engine/snapshot-cache.js';
import type { ConflictFlow } from '../domain/flow.js';
import { logger } from '../../observability/logger.js';
import { metrics } from '../../observability/metrics.js';
import type { Cache } from '../../runtime/cache/cache.js';
import type { ContentEvent, ContentHub } from '../../runtime/hub/content-hub.js';
import type { IdempotencyGuard } from '../../runtime/idempotency/idempotency.js';
import { PermanentTaskError } from '../../runtime/queue/task-errors.js';
import type { JobContext } from '../../runtime/queue/task-queue.js';
import { cacheKeys } from '../domain/cache-contract.js';
import { contentHash } from '../domain/hash.js';
import { contentRow, type ContentFeed, type ContentRow, type ContentSubject } from '../engine/content-feed.js';
import type { ContentItemView, ContentKind } from '../engine/game-state.js';
import { currentChronicle, unchangedFeed, type FeedChange } from '../engine/state-view.js';
import type { TaskDispatcher } from '../engine/task-dispatcher.js';
import type { Scenario } from '../scenarios/index.js';
import type { CanonLedger } from '../store/canon-ledger.js';
import type { GameSnapshot, NpcRecord } from '../store/game-snapshot.js';
import type { GameStore } from '../store/game-store.js';
import type { NewPlannedAction, OmitFromEach, PlannedActions } from '../store/planned-actions.js';

/** A planned move as a task writes it: the context adds its game and the job's key. */
export type PlannedMove = OmitFromEach<NewPlannedAction, 'gameId' | 'sourceKey'>;

/**
 * What a slow-path task works with: one job's view of its game, and the helpers every task shares —
 * model calls seeded per request, content landing in the feed (and on the hub), and the story
 * pieces most kinds take as input.
 */

export interface ConflictWorkerDeps {
  gateway: LlmGateway;
  store: GameStore;
  /** The game rows in the cache: every version the slow path moves on is written through. */
  heads: GameHeads;
  feed: ContentFeed;
  planned: PlannedActions;
  canon: CanonLedger;
  cache: Cache;
  hub: ContentHub;
  idempotency: IdempotencyGuard;
  /** The scenarios games are played in: their settings and place names go into the prose. */
  scenarios: readonly Scenario[];
  /** Per-attempt limit of every conflict task; the queue retries an attempt that runs past it. */
  taskTimeoutMs?: number;
  /** IDEMPOTENCY_TTL_S: how long a finished task blocks an identical rerun. */
  idempotencyTtlSeconds?: number;
  /**
   * How long a job that fills a feed item may have waited in the queue and still make its model
   * call (SLOW_PATH_HORIZON_MS); one that waited longer is shed late. Default: no limit.
   */
  maxQueueWaitMs?: number;
}

/** What a task reports: it wrote something the game reads, or its request no longer applies. */
/** `written`: players can read the result now (the game moves on); `kept`: stored for a later request, nothing changed yet; `stale`: nothing written. */
export type TaskOutcome = { status: 'written' } | { status: 'kept' } | { status: 'stale'; reason: string };

const log = logger.child({ module: 'conflict-workers' });

/** Story lines a model call is shown so it does not echo them: about a screenful of the feed. */
const RECENT_LINES = 20;

/**
 * One job's view of its game and the helpers every task shares: model calls seeded per context,
 * content landing in the feed (and on the hub), and the story pieces most kinds take as input.
 */
export class TaskContext {
  /** Items this job has asked to add to the feed so far (each one's place in its source key). */
  private added = 0;
  /** The ready items it asked to add, to land with its result (`land`). */
  private readonly readyRows: ContentRow[] = [];
  /** Statements this job staged to land with its result (its planned moves). */
  private readonly staged: SQL[] = [];
  /** Whether a staged move is ready, so the hot path is told once it lands. */
  private readyPlanned = false;
  /** Whether it wrote a canon record, which the chronicle shows too. */
  private canonWritten = false;
  /**
   * The version this job's last write moved the game to, when that write moved it itself (a settled
   * item): the runner then announces it instead of moving the version on a second time.
   */
  private movedTo: number | undefined;
  /** Model calls this job made, for goodput (`nyx_model_calls_by_use_total`). */
  modelCalls = 0;
  /** Whether this job filled the item its hot path opened. */
  filled = false;

  constructor(
    readonly snapshot: GameSnapshot,
    readonly deps: ConflictWorkerDeps,
    readonly dispatcher: TaskDispatcher,
    private readonly job: JobContext,
    /** What this request is: seeds the model so the same request gets the same answer offline. */
    private readonly requestKey: string,
    /** The task's priority: under the hourly model budget, the least valuable work is shed first. */
    private readonly priority: number,
  ) {}

  get gameId(): string {
    return this.snapshot.game.id;
  }

  /**
   * Plans a stakeholder move, once per job: a redelivered job (its worker died after the write)
   * finds its row there and plans nothing twice. The move is written with the job's result, in the
   * statement that moves the game's version on (its item's settle, or the runner's bump, see
   * `land`), so a job's result is one round trip and a job that fails writes none of it. A ready
   * move is announced so the next state sync claims it.
   */
  plan(move: PlannedMove): void {
    this.planAll([{ move }]);
  }

  /**
   * Plans several moves, written in one statement with the job's result, each once per job and
   * `piece` (its name within the job, e.g. one reaction of a turn), as `plan` does for one.
   */
  planAll(moves: ReadonlyArray<{ move: PlannedMove; piece?: string }>): void {
    if (moves.length === 0) return;
    this.stage(
      this.deps.planned.insertAllStatement(
        moves.map(({ move, piece }) => ({
          ...move,
          gameId: this.gameId,
          sourceKey: piece === undefined ? this.requestKey : `${this.requestKey}#${piece}`,
        })),
      ),
    );
    this.readyPlanned ||= moves.some(({ move }) => (move.status ?? 'ready') === 'ready');
  }

  /**
   * Stages one of the job's own statements (a planned move, a profile) to land with its result, in
   * the statement that moves the game's version on: a job's result is one round trip, and a job that
   * fails writes none of it.
   */
  stage(write: SQL): void {
    this.staged.push(write);
  }

  /**
   * Lands what the job staged and has not landed yet, in one statement. A job that `wrote` or added
   * ready items moves the game's version on with it (or only announces the version its last settle
   * moved to, when nothing is left); any other lands its staged writes alone. Returns the version to
   * announce, if any.
   */
  async land(wrote: boolean): Promise<number | undefined> {
    const writes = this.takeStaged();
    const rows = this.readyRows.splice(0);
    let version: number | undefined;
    if (rows.length > 0) version = await this.landReady(rows, writes);
    else if (wrote)
      version =
        this.movedTo !== undefined && writes.length === 0
          ? this.movedTo
          : await this.deps.heads.bumpVersion(this.gameId, { writes, change: this.feedChange });
    else await this.deps.store.runWrites(writes);
    await this.announcePlanned();
    return version;
  }

  /** The ready items with the job's writes and a version move; each one the feed took is published. */
  private async landReady(rows: readonly ContentRow[], writes: SQL[]): Promise<number> {
    const { version, added } = await this.deps.heads.addReady(this.gameId, rows, { writes, change: this.feedChange });
    for (const item of added) await this.announceReady(item);
    return version;
  }

  private takeStaged(): SQL[] {
    return this.staged.splice(0);
  }

  private async announcePlanned(): Promise<void> {
    if (!this.readyPlanned) return;
    this.readyPlanned = false;
    await this.deps.cache.bump(cacheKeys.plannedActionsLabel(this.gameId));
  }

  async generate<K extends Kind>(kind: K, input: KindInput<K>): Promise<KindOutput<K>> {
    const seed = (this.snapshot.game.seed + parseInt(contentHash(`${this.requestKey}|${kind}`).slice(0, 7), 16)) % 2 ** 31;
    const recent = (await this.recentItems(RECENT_LINES)).filter((item) => item.status === 'ready').map((item) => item.text);
    const setting = this.setting();
    const context = { seed, gameId: this.gameId, priority: this.priority, recent, ...(setting ? { setting } : {}) };
    this.modelCalls++;
    const { value } = await this.deps.gateway.generate(kind, { input, context }, { signal: this.job.signal });
    return value;
  }

  /**
   * The newest `limit` feed items (newest first; at most the feed window, 60), as a player has just
   * read them: from the cached chronicle of the game's current version, which every writer keeps
   * current, with no statement; from the database when it is not cached.
   */
  async recentItems(limit: number): Promise<ContentItemView[]> {
    const chronicle = await currentChronicle(this.deps.heads, this.deps.cache, this.gameId);
    return chronicle ? chronicle.content.slice(0, limit) : this.deps.feed.recent(this.gameId, limit);
  }

  private get scenario(): Scenario | undefined {
    return this.deps.scenarios.find((scenario) => scenario.id === this.snapshot.game.scenarioId);
  }

  private setting(): StorySetting | undefined {
    const setting = this.scenario?.setting;
    if (!setting) return undefined;
    return {
      name: setting.name,
      description: setting.description,
      ...(setting.era ? { era: setting.era } : {}),
      ...(setting.vocabulary ? { vocabulary: setting.vocabulary } : {}),
    };
  }

  /** A location as the prose names it: the scenario's name for it, never its id. */
  placeName(locationId: string | null | undefined): string | undefined {
    if (!locationId) return undefined;
    return this.scenario?.locations.find((location) => location.id === locationId)?.name ?? locationId.replace(/-/g, ' ');
  }

  /**
   * Fills the item the hot path opened and moves the game's version on, in one statement; an item
   * already settled (or none) is left alone.
   */
  async complete(contentId: string | undefined, text: string): Promise<void> {
    await this.completeAll([{ contentId, text }]);
  }

  /** Fills several items the hot path opened (a whole turn) and moves the version on once, in one statement. */
  async completeAll(lines: ReadonlyArray<{ contentId: string | undefined; text: string }>): Promise<void> {
    const settlements = lines.flatMap(({ contentId, text }) =>
      contentId ? [{ id: contentId, change: { status: 'ready', text } as const }] : [],
    );
    const settled = await this.deps.heads.settleContents(this.gameId, settlements, { writes: this.takeStaged(), change: this.feedChange });
    await this.announcePlanned();
    if (!settled) return;
    this.filled = true;
    this.movedTo = settled.version;
    for (const item of settled.items) {
      metrics.contentWriteAge.observe({ kind: item.kind }, (Date.now() - Date.parse(item.createdAt)) / 1000);
      await this.announceReady(item);
    }
  }

  /** Tells live readers an item of this job is in the feed, ready. */
  private async announceReady(item: ContentItemView): Promise<void> {
    await publish(this.deps.hub, {
      gameId: this.gameId,
      kind: item.kind,
      id: item.id,
      status: 'ready',
      origin: 'generated',
      text: item.text,
    });
  }

  /**
   * How this job's own writes changed the chronicle of the version it moves to (its items aside):
   * not at all, or unknown when it wrote a canon record, whose chronicle is then read again from the
   * database.
   */
  private get feedChange(): FeedChange | undefined {
    return this.canonWritten ? undefined : unchangedFeed;
  }

  /** Writes a resolved conflict's canon record. */
  async insertCanonRecord(record: Parameters<GameStore['insertCanonRecord']>[1]): Promise<void> {
    this.canonWritten = true;
    await this.deps.store.insertCanonRecord(this.gameId, record);
  }

  /**
   * Adds generated content nobody was waiting for (a reference, an alliance) to the feed with the
   * job's result (`land`, one statement), once: the item is keyed by `sourceKey` (by default this
   * job and the item's place in it), so a redelivered job adds nothing twice.
   */
  addReady(kind: ContentKind, text: string, subject?: ContentSubject, sourceKey = `${this.requestKey}#${this.added}`): void {
    this.added++;
    this.readyRows.push(
      contentRow(
        this.gameId,
        { kind, stateVersion: this.snapshot.version, sourceKey, ...(subject ? { subject } : {}) },
        { status: 'ready', origin: 'generated', text, fallbackText: text },
      ),
    );
  }

  /**
   * A conflict's flow as the game stands now (it moves on while the model thinks): from the cached
   * snapshot of the game's current head, with no statement; from the database when that is not cached.
   * A head another process has not written through yet can only make a passed context look current:
   * the sync that claims the move checks it again against the state it saves.
   */
  async currentFlow(conflictId: number): Promise<ConflictFlow | undefined> {
    const now = await new SnapshotCache(this.deps.store, this.deps.cache, this.deps.heads).cached(this.gameId);
    return now ? now.flows.get(conflictId) : this.deps.store.findFlow(conflictId);
  }

  conflictTitle(conflictId: number): string {
    return this.snapshot.conflicts.get(conflictId)?.title ?? 'the quarrel';
  }

  /** The conflict as a model is told about it; a conflict without a flow yet is just emerging. */
  conflictSnapshot(conflictId: number): ConflictSnapshot {
    const conflict = this.snapshot.conflicts.get(conflictId);
    if (!conflict) throw new PermanentTaskError(`conflict ${conflictId} is not in game ${this.gameId}`);
    const flow = this.snapshot.flows.get(conflictId);
    return {
      title: conflict.title,
      type: conflict.type,
      phase: flow?.phase ?? 'emerging',
      intensity: flow?.intensity ?? 0.5,
      momentum: flow?.momentum ?? 0,
    };
  }

  stakeholderNames(conflictId: number): string[] {
    return this.snapshot.stakeholdersOf(conflictId).map((s) => this.snapshot.npcName(s.npcId));
  }

  /** Where a conflict plays out: where its first stakeholder stands. */
  locationOf(conflictId: number): string {
    const first = this.snapshot.stakeholdersOf(conflictId)[0];
    return (first && this.placeName(this.snapshot.npc(first.npcId)?.location)) || 'the town';
  }

  /** An NPC the payload names; one missing from the game makes the task pointless to retry. */
  npc(npcId: number): NpcRecord {
    const npc = this.snapshot.npc(npcId);
    if (!npc) throw new PermanentTaskError(`npc ${npcId} is not in game ${this.gameId}`);
    return npc;
  }

  /** Models answer with names; rows and caches keep ids. */
  npcIdByName(name: string): number | undefined {
    for (const npc of this.snapshot.npcs.values()) if (npc.name === name) return npc.id;
    return undefined;
  }
}

export async function publish(hub: ContentHub, event: ContentEvent): Promise<void> {
  // Live updates are a convenience: the feed and the cache already hold the result.
  await hub.publish(event).catch((error: unknown) => log.warn({ err: error, kind: event.kind }, 'content event not published'));
}
