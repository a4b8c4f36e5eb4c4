import type { z } from 'zod';
import type { ConflictSnapshot, Kind, KindInput, KindOutput, LlmGateway, StorySetting } from '../gateway/index.js';
import { logger } from '../observability/logger.js';
import type { Cache } from '../runtime/cache/cache.js';
import type { CanonLedger } from '../runtime/db/canon-ledger.js';
import type { NewPlannedAction, PlannedActions } from '../runtime/db/planned-actions.js';
import type { ContentEvent, ContentHub } from '../runtime/hub/content-hub.js';
import type { IdempotencyGuard } from '../runtime/idempotency/idempotency.js';
import { PermanentTaskError } from '../runtime/queue/task-errors.js';
import type { JobContext, QueueEvents, TaskQueue } from '../runtime/queue/task-queue.js';
import { canonTasks } from './canon/slow-path.js';
import { cacheKeys } from './domain/cache-contract.js';
import { contentHash } from './domain/hash.js';
import type { ContentFeed, ContentSubject } from './engine/content-feed.js';
import type { ContentKind } from './engine/game-state.js';
import type { GameSnapshot, GameStore, NpcRecord } from './engine/game-store.js';
import { SnapshotCache } from './engine/snapshot-cache.js';
import { TaskDispatcher } from './engine/task-dispatcher.js';
import { flowTasks } from './flow/slow-path.js';
import { socialFallbacks, socialTasks } from './social/slow-path.js';
import { stakeholderTasks } from './stakeholders/slow-path.js';
import type { Scenario } from './scenarios/index.js';
import { taskDefinition } from './tasks/declare.js';
import { taskContracts, type ParsedTaskPayload, type TaskName } from './tasks/contracts.js';
import { tensionFallbacks, tensionTasks } from './tension/slow-path.js';

/**
 * The conflict system's queue workers: every task of the contract gets the same runner around its
 * slow-path implementation (idempotency, job timeline, version bump), and a job that gives up for
 * good leaves the player on the rule fallback instead of an item stuck in `generating`.
 */

export interface ConflictWorkerDeps {
  gateway: LlmGateway;
  store: GameStore;
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
}

/** What a task reports: it wrote something the game reads, or its request no longer applies. */
export type TaskOutcome = { status: 'written' } | { status: 'stale'; reason: string };

export type SlowPathTask<N extends TaskName> = (payload: ParsedTaskPayload<N>, ctx: TaskContext) => Promise<TaskOutcome>;
export type SlowPathTasks<N extends TaskName> = { [K in N]: SlowPathTask<K> };

/**
 * What a task whose result the hot path polls (a scene bundle) leaves behind when it fails for good,
 * so the game reads a settled fallback instead of `generating` until some later success.
 */
export type FinalFailureFallback<N extends TaskName> = (payload: ParsedTaskPayload<N>, snapshot: GameSnapshot, deps: ConflictWorkerDeps) => Promise<void>;
export type FinalFailureFallbacks<N extends TaskName> = { [K in N]: FinalFailureFallback<K> };

/** By default a finished task keeps its key for an hour, so a replayed job does not generate twice. */
const IDEMPOTENCY_TTL_SECONDS = 3600;

const log = logger.child({ module: 'conflict-workers' });

/** Story lines a model call is shown so it does not echo them: about a screenful of the feed. */
const RECENT_LINES = 20;

/** The planned row a failed stakeholder generation leaves, so the failure is on record next to the successes. */
const PLANNED_KIND_OF_FAILURE = {
  'stakeholders.generate_action': 'action',
  'stakeholders.generate_reaction': 'reaction',
  'stakeholders.adapt_role': 'role_adaptation',
} as const;
type PlanningTask = keyof typeof PLANNED_KIND_OF_FAILURE;

function plansStakeholderMoves(name: TaskName): name is PlanningTask {
  return name in PLANNED_KIND_OF_FAILURE;
}

/**
 * One job's view of its game and the helpers every task shares: model calls seeded per context,
 * content landing in the feed (and on the hub), and the story pieces most kinds take as input.
 */
export class TaskContext {
  /** Items this job has added to the feed so far. */
  private added = 0;

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
   * Writes a planned stakeholder move, once per job: a redelivered job (its worker died after the
   * insert) finds its row there and plans nothing twice. A ready move is announced so the next
   * state sync claims it.
   */
  async plan(move: Omit<NewPlannedAction, 'gameId' | 'sourceKey'>): Promise<void> {
    await this.deps.planned.insert({ ...move, gameId: this.gameId, sourceKey: this.requestKey });
    if ((move.status ?? 'ready') === 'ready') await this.deps.cache.bump(cacheKeys.plannedActionsLabel(this.gameId));
  }

  async generate<K extends Kind>(kind: K, input: KindInput<K>): Promise<KindOutput<K>> {
    const seed = (this.snapshot.game.seed + parseInt(contentHash(`${this.requestKey}|${kind}`).slice(0, 7), 16)) % 2 ** 31;
    const recent = (await this.deps.feed.recent(this.gameId, RECENT_LINES)).filter((item) => item.status === 'ready').map((item) => item.text);
    const setting = this.setting();
    const context = { seed, gameId: this.gameId, priority: this.priority, recent, ...(setting ? { setting } : {}) };
    const { value } = await this.deps.gateway.generate(kind, { input, context }, { signal: this.job.signal });
    return value;
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

  /** Fills the item the hot path opened; an item already settled (or none) is left alone. */
  async complete(contentId: string | undefined, text: string): Promise<void> {
    if (!contentId) return;
    const item = await this.deps.feed.complete(contentId, text);
    if (item) await publish(this.deps.hub, { gameId: this.gameId, kind: item.kind, id: item.id, status: 'ready', origin: 'generated', text: item.text });
  }

  /**
   * Adds generated content nobody was waiting for (a reference, an alliance) straight to the feed,
   * once: the item is keyed by `sourceKey` (by default this job and the item's place in it), so a
   * redelivered job adds nothing twice. Returns whether it was added.
   */
  async addReady(kind: ContentKind, text: string, subject?: ContentSubject, sourceKey = `${this.requestKey}#${this.added}`): Promise<boolean> {
    this.added++;
    const item = await this.deps.feed.addReady(this.gameId, { kind, text, stateVersion: this.snapshot.version, sourceKey, ...(subject ? { subject } : {}) });
    if (item) await publish(this.deps.hub, { gameId: this.gameId, kind, id: item.id, status: 'ready', origin: 'generated', text });
    return item !== undefined;
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

/** A payload's free-text enum (a phase, a beat type), checked against the words the domain knows. */
export function knownValue<T extends string>(allowed: readonly T[], value: string, field: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new PermanentTaskError(`${field} "${value}" is not one of ${allowed.join(', ')}`);
}

async function publish(hub: ContentHub, event: ContentEvent): Promise<void> {
  // Live updates are a convenience: the feed and the cache already hold the result.
  await hub.publish(event).catch((error: unknown) => log.warn({ err: error, kind: event.kind }, 'content event not published'));
}

/**
 * The idempotency key: the contract's dedupe key, narrowed where that key names a slot rather than
 * one piece of work. A bundle for a newer cache version is a new key to fill, and the latest-wins
 * action key is per stakeholder, so without the version a stakeholder would plan once an hour.
 */
export function idempotencyKey<N extends TaskName>(name: N, payload: ParsedTaskPayload<N>): string {
  const contract = taskContracts[name];
  const base = (contract.dedupe as (p: ParsedTaskPayload<N>) => string)(payload);
  const fields = payload as { cacheVersion?: number; contextHash?: string; stateVersion: number; contentId?: string };
  const cacheVersion = fields.cacheVersion === undefined ? '' : `:v${fields.cacheVersion}`;
  const request = contract.dedupeMode === 'latest' ? `:${fields.contextHash}:s${fields.stateVersion}` : '';
  // Each feed item is its own piece of work: the same gossip asked for twice fills two items.
  const item = fields.contentId === undefined ? '' : `:${fields.contentId}`;
  return `${base}${cacheVersion}${request}${item}`;
}

/** How long a finished run blocks a repeat: IDEMPOTENCY_TTL_S, or less when its result expires sooner. */
function idempotencyTtlSeconds(name: TaskName, configured: number): number {
  const contract = taskContracts[name];
  return 'resultTtlSeconds' in contract ? Math.min(configured, contract.resultTtlSeconds) : configured;
}

class ConflictTaskRunner {
  /** Job id → start of its first attempt, for the timeline; dropped when the job settles. */
  private readonly started = new Map<string, number>();
  private readonly snapshots: SnapshotCache;

  constructor(
    private readonly tasks: SlowPathTasks<TaskName>,
    private readonly fallbacks: Partial<FinalFailureFallbacks<TaskName>>,
    private readonly deps: ConflictWorkerDeps,
    private readonly dispatcher: TaskDispatcher,
  ) {
    this.snapshots = new SnapshotCache(deps.store, deps.cache);
  }

  async run<N extends TaskName>(name: N, payload: ParsedTaskPayload<N>, job: JobContext): Promise<TaskOutcome | { status: 'duplicate' }> {
    const startedAt = this.started.get(job.jobId) ?? Date.now();
    this.started.set(job.jobId, startedAt);
    await this.publishJob(name, payload, job.jobId, { status: 'generating', startedAt });
    const key = idempotencyKey(name, payload);
    const guarded = await this.deps.idempotency.run(
      key,
      () => this.runTask(name, payload, job, key),
      idempotencyTtlSeconds(name, this.deps.idempotencyTtlSeconds ?? IDEMPOTENCY_TTL_SECONDS),
      job.jobId,
    );
    // A duplicate writes nothing, so an item opened for it would otherwise wait forever.
    if (!guarded.ran) await this.settleOnFallback(payload.gameId, payload.contentId);
    const outcome = guarded.ran ? guarded.value : ({ status: 'duplicate' } as const);
    this.started.delete(job.jobId);
    await this.publishJob(name, payload, job.jobId, { status: 'ready', startedAt, finishedAt: Date.now(), outcome: outcome.status });
    return outcome;
  }

  /** The queue gave up: show the rule fallback and put the failure on record. */
  async recordFinalFailure(event: QueueEvents['failed']): Promise<void> {
    if (!(event.taskName in taskContracts)) return;
    const name = event.taskName as TaskName;
    const parsed = (taskContracts[name].payload as z.ZodType<ParsedTaskPayload<TaskName>>).safeParse(event.payload);
    if (!parsed.success) return;
    const payload = parsed.data;
    const startedAt = this.started.get(event.jobId);
    this.started.delete(event.jobId);
    await this.settleOnFallback(payload.gameId, payload.contentId);
    await this.writeFallback(name, payload);
    if (plansStakeholderMoves(name)) await this.recordFailedPlan(name, payload as ParsedTaskPayload<typeof name>, event.error);
    await this.publishJob(name, payload, event.jobId, { status: 'failed', startedAt, finishedAt: Date.now(), error: event.error });
  }

  private async writeFallback(name: TaskName, payload: ParsedTaskPayload<TaskName>): Promise<void> {
    const fallback = this.fallbacks[name] as FinalFailureFallback<TaskName> | undefined;
    if (!fallback) return;
    const snapshot = await this.snapshots.load(payload.gameId);
    if (!snapshot) return;
    await fallback(payload, snapshot, this.deps);
    await this.announceChange(payload.gameId);
  }

  private async runTask<N extends TaskName>(name: N, payload: ParsedTaskPayload<N>, job: JobContext, key: string): Promise<TaskOutcome> {
    const snapshot = await this.snapshots.load(payload.gameId);
    if (!snapshot) throw new PermanentTaskError(`game ${payload.gameId} does not exist`);
    const task = this.tasks[name] as SlowPathTask<N>;
    const priority = 'priority' in payload && typeof payload.priority === 'number' ? payload.priority : taskContracts[name].priority;
    const outcome = await task(payload, new TaskContext(snapshot, this.deps, this.dispatcher, job, key, priority));
    if (outcome.status === 'written') await this.announceChange(payload.gameId);
    return outcome;
  }

  /** A new version tells every reader (and the hot path's caches) that the game has moved on. */
  private async announceChange(gameId: string): Promise<void> {
    const version = await this.deps.store.bumpVersion(gameId);
    await publish(this.deps.hub, { gameId, kind: 'state', id: 'state', status: 'ready', origin: 'generated', version });
  }

  private async settleOnFallback(gameId: string, contentId: string | undefined): Promise<void> {
    if (!contentId) return;
    const item = await this.deps.feed.fail(contentId);
    if (!item) return;
    await publish(this.deps.hub, { gameId, kind: item.kind, id: item.id, status: 'failed', origin: 'fallback', text: item.text });
    await this.announceChange(gameId);
  }

  private async recordFailedPlan(
    name: PlanningTask,
    payload: ParsedTaskPayload<PlanningTask>,
    error: string,
  ): Promise<void> {
    const contextHash = 'eventId' in payload ? payload.eventId : payload.contextHash;
    await this.deps.planned
      .insert({
        gameId: payload.gameId,
        stakeholderId: payload.stakeholderId,
        kind: PLANNED_KIND_OF_FAILURE[name],
        payload: {},
        status: 'failed',
        error,
        contextHash,
        stateVersion: payload.stateVersion,
      })
      // The stakeholder may be gone with its game; there is then nothing to record it against.
      .catch((insertError: unknown) => log.warn({ err: insertError, task: name }, 'failed plan not recorded'));
  }

  private async publishJob(
    name: TaskName,
    payload: ParsedTaskPayload<TaskName>,
    jobId: string,
    timeline: { status: ContentEvent['status']; startedAt: number | undefined; finishedAt?: number; error?: string; outcome?: string },
  ): Promise<void> {
    await publish(this.deps.hub, { gameId: payload.gameId, kind: 'job', id: jobId, origin: 'generated', task: name, queuedAt: payload.dispatchedAt, ...timeline });
  }
}

/**
 * Defines every conflict task on `queue` with its contract and implementation, and records final
 * failures. Call it in worker processes only: a dispatch-only process hears other processes'
 * failures too and would record them twice. Returns the function that stops the failure recording.
 */
export function registerConflictWorkers(queue: TaskQueue, deps: ConflictWorkerDeps): () => void {
  // Workers never degrade: whether to skip non-critical work is the hot path's call at dispatch.
  const dispatcher = new TaskDispatcher(queue, { degraded: false });
  // Assembled here, not at module load: the subsystems import this module's helpers, so their task
  // tables may still be initialising while it loads.
  const tasks: SlowPathTasks<TaskName> = { ...stakeholderTasks, ...flowTasks, ...socialTasks, ...canonTasks, ...tensionTasks };
  const runner = new ConflictTaskRunner(tasks, { ...socialFallbacks, ...tensionFallbacks }, deps, dispatcher);
  for (const name of Object.keys(taskContracts) as TaskName[]) {
    queue.defineTask(
      name,
      taskDefinition(name, (payload, job) => runner.run(name, payload, job), {
        ...(deps.taskTimeoutMs !== undefined ? { timeoutMs: deps.taskTimeoutMs } : {}),
      }),
    );
  }
  return queue.on('failed', (event) => {
    if (!event.final) return;
    runner.recordFinalFailure(event).catch((error: unknown) => log.error({ err: error, task: event.taskName }, 'final failure not recorded'));
  });
}
