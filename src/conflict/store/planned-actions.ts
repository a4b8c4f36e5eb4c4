import { and, asc, desc, eq, gt, inArray, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../runtime/db/database.js';
import type { PlannedMove } from '../domain/stakeholder.js';
import { plannedStakeholderActions as actions, type PlannedActionKind, type PlannedActionStatus } from './schema/planned-actions.js';

/** A planned move about to be written: the move, and where and when it may be served. */
export type NewPlannedAction = PlannedMove & PlannedRowFields;

/** `Omit` applied to each member of a union, so the members stay apart. */
export type OmitFromEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface PlannedRowFields {
  gameId: string;
  stakeholderId: number;
  sceneId?: number | null;
  sceneHash?: string | null;
  conflictId?: number | null;
  /** Higher is served first; default 5. */
  priority?: number;
  contextHash?: string | null;
  stateVersion?: number | null;
  /** Not claimable before this time; default now. */
  availableAt?: Date;
  /** Not claimable from this time on; expirePastDue() then marks it expired. */
  expiresAt?: Date | null;
  /** Default `ready`; `expired` keeps a move planned for a context that passed, on record. */
  status?: PlannedActionStatus;
  error?: string | null;
  /** What planned it (a job's key): a second insert with the same key is a no-op. */
  sourceKey?: string | null;
}

/** A generation that gave up for good, put on record next to the moves that were planned. */
export interface FailedPlan {
  gameId: string;
  stakeholderId: number;
  kind: PlannedActionKind;
  contextHash: string;
  stateVersion: number;
  error: string;
}

/** A planned move as stored. */
export type PlannedAction = PlannedMove & StoredPlanFields;

interface StoredPlanFields {
  id: number;
  gameId: string;
  stakeholderId: number;
  sceneId: number | null;
  sceneHash: string | null;
  conflictId: number | null;
  status: PlannedActionStatus;
  priority: number;
  contextHash: string | null;
  stateVersion: number | null;
  error: string | null;
  /** ISO 8601 timestamps. */
  createdAt: string;
  availableAt: string;
  expiresAt: string | null;
  consumedAt: string | null;
}

/** Which ready actions a caller wants. Every given filter must match. */
export interface ReadyActionQuery {
  gameId: string;
  sceneHash?: string;
  stakeholderIds?: readonly number[];
  conflictId?: number;
  kind?: PlannedActionKind;
  contextHash?: string;
  /** Default 10. */
  limit?: number;
}

type Row = typeof actions.$inferSelect;

const servingOrder = [desc(actions.priority), asc(actions.availableAt), asc(actions.id)];

/**
 * The `planned_stakeholder_actions` table: the slow path inserts, the hot path claims.
 * A claim consumes what it returns, so an action is served once, not on every state sync.
 */
export class PlannedActions {
  constructor(private readonly db: Database) {}

  /** Inserts a move and returns its id; with a `sourceKey` already planned, the id of that row instead. */
  async insert(action: NewPlannedAction): Promise<number> {
    const [id] = await this.insertAll([action]);
    return id!;
  }

  /** Inserts several moves in one statement (see `insert`); returns their ids. */
  async insertAll(moves: readonly NewPlannedAction[]): Promise<number[]> {
    if (moves.length === 0) return [];
    const rows = await this.insertAllQuery(moves);
    return rows.map((row) => row.id);
  }

  /**
   * The statement `insertAll` runs, not run: a job lands it with the statement that moves its game's
   * version on (`GameStore.bumpVersion`, `settleContents`), so its result is one round trip.
   */
  insertAllStatement(moves: readonly NewPlannedAction[]): SQL {
    return this.insertAllQuery(moves).getSQL();
  }

  private insertAllQuery(moves: readonly NewPlannedAction[]) {
    return (
      this.db.orm
        .insert(actions)
        .values(
          moves.map((action) => ({
            gameId: action.gameId,
            stakeholderId: action.stakeholderId,
            sceneId: action.sceneId ?? null,
            sceneHash: action.sceneHash ?? null,
            conflictId: action.conflictId ?? null,
            kind: action.kind,
            payload: action.payload,
            priority: action.priority ?? 5,
            contextHash: action.contextHash ?? null,
            stateVersion: action.stateVersion ?? null,
            expiresAt: action.expiresAt ?? null,
            status: action.status ?? 'ready',
            error: action.error ?? null,
            sourceKey: action.sourceKey ?? null,
            ...(action.availableAt ? { availableAt: action.availableAt } : {}),
          })),
        )
        // A no-op update, so RETURNING also answers for the row already there.
        .onConflictDoUpdate({ target: actions.sourceKey, set: { sourceKey: sql`excluded.source_key` } })
        .returning({ id: actions.id })
    );
  }

  /** Records a failed generation (with an empty move), so failures are counted beside successes. */
  async recordFailure(failure: FailedPlan): Promise<void> {
    await this.db.orm.insert(actions).values({ ...failure, payload: {}, status: 'failed' });
  }

  /** Marks a ready action failed; false when it was no longer ready (claimed, expired, or gone). */
  async markFailed(id: number, error: string): Promise<boolean> {
    const rows = await this.db.orm
      .update(actions)
      .set({ status: 'failed', error })
      .where(and(eq(actions.id, id), eq(actions.status, 'ready')))
      .returning({ id: actions.id });
    return rows.length === 1;
  }

  /**
   * Consumes and returns up to `limit` ready actions, highest priority first, then oldest.
   * `FOR UPDATE SKIP LOCKED` lets concurrent claimers pass over each other's rows instead of waiting,
   * and the outer `status = 'ready'` is re-checked on any row changed meanwhile, so no two claimers
   * ever get the same action.
   */
  async claimReady(query: ReadyActionQuery): Promise<PlannedAction[]> {
    const where = this.readyFilter(query);
    if (!where) return [];
    const picked = this.db.orm
      .select({ id: actions.id })
      .from(actions)
      .where(where)
      .orderBy(...servingOrder)
      .limit(query.limit ?? 10)
      .for('update', { skipLocked: true });
    const rows = await this.db.orm
      .update(actions)
      .set({ status: 'consumed', consumedAt: sql`now()` })
      .where(and(eq(actions.status, 'ready'), inArray(actions.id, picked)))
      .returning();
    // RETURNING follows no order.
    return rows.sort(compareServingOrder).map(toPlannedAction);
  }

  /** The actions claimReady would return, without consuming them. */
  async peekReady(query: ReadyActionQuery): Promise<PlannedAction[]> {
    const where = this.readyFilter(query);
    if (!where) return [];
    const rows = await this.db.orm
      .select()
      .from(actions)
      .where(where)
      .orderBy(...servingOrder)
      .limit(query.limit ?? 10);
    return rows.map(toPlannedAction);
  }

  /** Marks ready actions whose `expires_at` has passed as expired. Returns how many. */
  async expirePastDue(): Promise<number> {
    const rows = await this.db.orm
      .update(actions)
      .set({ status: 'expired' })
      .where(and(eq(actions.status, 'ready'), lte(actions.expiresAt, sql`now()`)))
      .returning({ id: actions.id });
    return rows.length;
  }

  /** Deletes consumed and expired actions created more than `olderThanHours` ago. Returns how many. */
  async cleanup(olderThanHours = 24): Promise<number> {
    const rows = await this.db.orm
      .delete(actions)
      .where(
        and(
          inArray(actions.status, ['consumed', 'expired']),
          lt(actions.createdAt, sql`now() - make_interval(secs => ${olderThanHours * 3600})`),
        ),
      )
      .returning({ id: actions.id });
    return rows.length;
  }

  /** Ready, available and unexpired, narrowed by the query; undefined when nothing can match. */
  private readyFilter(query: ReadyActionQuery): SQL | undefined {
    if (query.stakeholderIds && query.stakeholderIds.length === 0) return undefined;
    const conditions: SQL[] = [
      eq(actions.gameId, query.gameId),
      eq(actions.status, 'ready'),
      lte(actions.availableAt, sql`now()`),
      or(isNull(actions.expiresAt), gt(actions.expiresAt, sql`now()`))!,
    ];
    if (query.sceneHash !== undefined) conditions.push(eq(actions.sceneHash, query.sceneHash));
    if (query.stakeholderIds) conditions.push(inArray(actions.stakeholderId, [...query.stakeholderIds]));
    if (query.conflictId !== undefined) conditions.push(eq(actions.conflictId, query.conflictId));
    if (query.kind !== undefined) conditions.push(eq(actions.kind, query.kind));
    if (query.contextHash !== undefined) conditions.push(eq(actions.contextHash, query.contextHash));
    return and(...conditions);
  }
}

function compareServingOrder(a: Row, b: Row): number {
  return b.priority - a.priority || a.availableAt.getTime() - b.availableAt.getTime() || a.id - b.id;
}

function toPlannedAction(row: Row): PlannedAction {
  // The row's kind says which payload it holds: the slow path wrote it through `insert`.
  const move = { kind: row.kind, payload: row.payload } as PlannedMove;
  return {
    ...move,
    id: row.id,
    gameId: row.gameId,
    stakeholderId: row.stakeholderId,
    sceneId: row.sceneId,
    sceneHash: row.sceneHash,
    conflictId: row.conflictId,
    status: row.status,
    priority: row.priority,
    contextHash: row.contextHash,
    stateVersion: row.stateVersion,
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    availableAt: row.availableAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    consumedAt: row.consumedAt?.toISOString() ?? null,
  };
}
