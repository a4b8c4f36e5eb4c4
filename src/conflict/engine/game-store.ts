import { and, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Database } from '../../runtime/db/database.js';
import {
  canonRecords,
  conflictFlows,
  conflicts,
  dramaticBeats,
  contentItems,
  games,
  npcs,
  phaseTransitions,
  plannedStakeholderActions,
  reputationScores,
  socialAlliances,
  stakeholders,
} from '../../runtime/db/schema/index.js';
import type {
  BeatType,
  CanonEventType,
  ConflictFlow,
  DecisionStyle,
  PacingStyle,
  Phase,
  Stakeholder,
  StakeholderRole,
  TransitionType,
} from '../domain/index.js';
import type { CachedCanonRecord } from '../domain/cache-contract.js';
import type { ReputationScores, ReputationType } from '../domain/social.js';

/**
 * The durable state of games, read and written by the hot path in a few indexed queries per
 * request. A request loads one GameSnapshot, lets the handlers change it in memory, then saves what
 * changed and bumps the version once.
 */

export interface GameRecord {
  id: string;
  scenarioId: string;
  seed: number;
  tokenHash: string;
  version: number;
  entitiesVersion: number;
}

export interface NpcRecord {
  id: number;
  key: string;
  name: string;
  description: string;
  traits: string[];
  socialRole: string;
  location: string | null;
  gossipTendency: number;
}

export interface ConflictRecord {
  id: number;
  type: string;
  title: string;
  description: string;
  status: 'active' | 'resolved';
  resolution: Record<string, unknown> | null;
  createdAt: number;
}

export interface StakeholderRecord extends Stakeholder {
  profile: Record<string, unknown> | null;
}

export interface StoredSnapshot {
  entitiesVersion: number;
  plannedActionsSeen: number;
  autonomyRequestedAt: Record<number, number>;
  npcs: NpcRecord[];
  conflicts: ConflictRecord[];
  stakeholders: StakeholderRecord[];
  flows: ConflictFlow[];
  reputations: Array<[number, ReputationScores]>;
}

type NewContentRow = typeof contentItems.$inferInsert;
type NewTransitionRow = Omit<typeof phaseTransitions.$inferInsert, 'id' | 'createdAt'>;
type NewBeatRow = Omit<typeof dramaticBeats.$inferInsert, 'createdAt'>;

/**
 * Rows a request adds, held until the request commits: a request writes all it changed in one
 * statement, or nothing at all when another writer got there first.
 */
interface StagedRows {
  conflicts: ConflictRecord[];
  resolved: Set<number>;
  stakeholders: StakeholderRecord[];
  transitions: NewTransitionRow[];
  beats: NewBeatRow[];
  content: NewContentRow[];
  consumedPlans: number[];
}

const noStagedRows = (): StagedRows => ({
  conflicts: [],
  resolved: new Set(),
  stakeholders: [],
  transitions: [],
  beats: [],
  content: [],
  consumedPlans: [],
});

export class GameSnapshot {
  private staged = noStagedRows();
  private readonly changedStakeholders = new Set<number>();
  private readonly changedFlows = new Set<number>();
  private readonly changedReputations = new Map<string, { npcId: number; type: ReputationType; score: number }>();
  private changes = 0;
  /** True until the snapshot cache holds this snapshot as it is now. */
  private uncached = true;
  /**
   * The planned-actions counter (cacheKeys.plannedActionsLabel) as of the last claim that emptied
   * the queue of ready moves: while the counter has not moved there is nothing new to claim.
   */
  private plannedSeen = -1;
  /** Stakeholder id → when its last autonomous decision was requested (epoch ms). */
  private autonomyAt: Record<number, number> = {};

  constructor(
    readonly game: GameRecord,
    readonly npcs: Map<number, NpcRecord>,
    readonly conflicts: Map<number, ConflictRecord>,
    readonly stakeholders: Map<number, StakeholderRecord>,
    readonly flows: Map<number, ConflictFlow>,
    readonly reputations: Map<number, ReputationScores>,
  ) {}

  get version(): number {
    return this.game.version;
  }

  activeConflicts(): ConflictRecord[] {
    return [...this.conflicts.values()].filter((c) => c.status === 'active');
  }

  stakeholdersOf(conflictId: number): StakeholderRecord[] {
    return [...this.stakeholders.values()].filter((s) => s.conflictId === conflictId);
  }

  /** Stakeholders of active conflicts: the NPCs whose behaviour the scene shows. */
  activeStakeholders(): StakeholderRecord[] {
    return [...this.stakeholders.values()].filter((s) => this.conflicts.get(s.conflictId)?.status === 'active');
  }

  npc(id: number): NpcRecord | undefined {
    return this.npcs.get(id);
  }

  npcName(id: number | undefined): string {
    return (id !== undefined && this.npcs.get(id)?.name) || 'someone';
  }

  updateStakeholder(id: number, patch: Partial<Pick<StakeholderRecord, 'role' | 'stress' | 'commitment'>>): void {
    const current = this.stakeholders.get(id);
    if (!current) return;
    this.stakeholders.set(id, { ...current, ...patch });
    this.changedStakeholders.add(id);
    this.changed();
  }

  updateFlow(conflictId: number, next: ConflictFlow): void {
    this.flows.set(conflictId, next);
    this.changedFlows.add(conflictId);
    this.changed();
  }

  setReputation(npcId: number, type: ReputationType, score: number): void {
    const scores = { ...(this.reputations.get(npcId) ?? {}), [type]: score };
    this.reputations.set(npcId, scores);
    this.changedReputations.set(`${npcId}:${type}`, { npcId, type, score });
    this.changed();
  }

  /** A new conflict (its id allocated by `GameStore.allocateIds`), written when the request commits. */
  addConflict(conflict: ConflictRecord): void {
    this.conflicts.set(conflict.id, conflict);
    this.staged.conflicts.push(conflict);
    this.changed();
  }

  resolveConflict(conflictId: number, resolution: Record<string, unknown>): void {
    const conflict = this.conflicts.get(conflictId);
    if (!conflict) return;
    this.conflicts.set(conflictId, { ...conflict, status: 'resolved', resolution });
    this.staged.resolved.add(conflictId);
    this.changed();
  }

  /** New stakeholders (ids allocated by `GameStore.allocateIds`), written when the request commits. */
  addStakeholders(created: StakeholderRecord[]): void {
    for (const stakeholder of created) {
      this.stakeholders.set(stakeholder.id, stakeholder);
      this.staged.stakeholders.push(stakeholder);
    }
    this.changed();
  }

  recordTransition(conflictId: number, transition: { fromPhase: Phase | null; toPhase: Phase; transitionType: TransitionType; trigger: string }): void {
    this.staged.transitions.push({ gameId: this.game.id, conflictId, ...transition });
    this.changed();
  }

  recordBeat(beat: { id: string; conflictId: number; beatType: BeatType; impact: number; source: 'rule' | 'generated' }): void {
    this.staged.beats.push({ gameId: this.game.id, ...beat });
    this.changed();
  }

  /** A feed item, inserted when the request commits. */
  addContent(row: NewContentRow): void {
    this.staged.content.push(row);
    this.changed();
  }

  /** Planned moves this request applies: consumed when it commits, so no other request applies them too. */
  consumePlanned(ids: number[]): void {
    if (ids.length === 0) return;
    this.staged.consumedPlans.push(...ids);
    this.changed();
  }

  /** Counts a change with no row of its own, so the version still moves. */
  markChanged(): void {
    this.changed();
  }

  get hasChanges(): boolean {
    return this.changes > 0;
  }

  get plannedActionsSeen(): number {
    return this.plannedSeen;
  }

  sawPlannedActions(counter: number): void {
    if (counter === this.plannedSeen) return;
    this.plannedSeen = counter;
    this.uncached = true;
  }

  autonomyRequestedAt(stakeholderId: number): number | undefined {
    return this.autonomyAt[stakeholderId];
  }

  requestedAutonomy(stakeholderId: number, at: number): void {
    this.autonomyAt[stakeholderId] = at;
    this.uncached = true;
  }

  /** Whether the snapshot cache is behind this snapshot (a fresh load, or anything changed since). */
  get needsCaching(): boolean {
    return this.uncached;
  }

  markCached(): void {
    this.uncached = false;
  }

  private changed(): void {
    this.changes++;
    this.uncached = true;
  }

  pendingWrites() {
    const added = new Set(this.staged.stakeholders.map((s) => s.id));
    return {
      ...this.staged,
      // A stakeholder added by this request is inserted as it stands now; only older ones are updated.
      stakeholders: this.staged.stakeholders.map((s) => this.stakeholders.get(s.id)!),
      changedStakeholders: [...this.changedStakeholders].filter((id) => !added.has(id)).map((id) => this.stakeholders.get(id)!),
      resolved: [...this.staged.resolved].map((id) => ({ id, resolution: this.conflicts.get(id)!.resolution ?? {} })),
      flows: [...this.changedFlows].map((id) => this.flows.get(id)!),
      reputations: [...this.changedReputations.values()],
    };
  }

  /** Plain data for the snapshot cache; `fromStored` turns it back into a snapshot. */
  toStored(): StoredSnapshot {
    return {
      entitiesVersion: this.game.entitiesVersion,
      plannedActionsSeen: this.plannedSeen,
      autonomyRequestedAt: this.autonomyAt,
      npcs: [...this.npcs.values()],
      conflicts: [...this.conflicts.values()],
      stakeholders: [...this.stakeholders.values()],
      flows: [...this.flows.values()],
      reputations: [...this.reputations.entries()],
    };
  }

  static fromStored(game: GameRecord, stored: StoredSnapshot): GameSnapshot {
    const snapshot = new GameSnapshot(
      game,
      new Map(stored.npcs.map((npc) => [npc.id, npc])),
      new Map(stored.conflicts.map((conflict) => [conflict.id, conflict])),
      new Map(stored.stakeholders.map((stakeholder) => [stakeholder.id, stakeholder])),
      new Map(stored.flows.map((flow) => [flow.conflictId, flow])),
      new Map(stored.reputations),
    );
    snapshot.plannedSeen = stored.plannedActionsSeen;
    snapshot.autonomyAt = stored.autonomyRequestedAt;
    snapshot.uncached = false;
    return snapshot;
  }

  clearChanges(): void {
    this.staged = noStagedRows();
    this.changedStakeholders.clear();
    this.changedFlows.clear();
    this.changedReputations.clear();
    this.changes = 0;
  }
}

/** What a save came to: written at `version`, or nothing written because another writer saved first. */
export type SaveResult = { status: 'saved'; version: number } | { status: 'stale' };

const number = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);

export class GameStore {
  constructor(readonly db: Database) {}

  private get orm() {
    return this.db.orm;
  }

  async insertGame(game: Omit<GameRecord, 'version' | 'entitiesVersion'>): Promise<void> {
    await this.orm.insert(games).values({ ...game, version: 0, entitiesVersion: 0 });
  }

  async findGame(gameId: string): Promise<GameRecord | undefined> {
    const [row] = await this.orm
      .select({
        id: games.id,
        scenarioId: games.scenarioId,
        seed: games.seed,
        tokenHash: games.tokenHash,
        version: games.version,
        entitiesVersion: games.entitiesVersion,
      })
      .from(games)
      .where(eq(games.id, gameId))
      .limit(1);
    return row;
  }

  async insertNpcs(
    gameId: string,
    rows: Array<Omit<NpcRecord, 'id'> & { reputation?: ReputationScores }>,
  ): Promise<NpcRecord[]> {
    if (rows.length === 0) return [];
    const inserted = await this.orm
      .insert(npcs)
      .values(rows.map(({ reputation: _reputation, ...npc }) => ({ ...npc, gameId })))
      .returning();
    const reputationRows = inserted.flatMap((npc, index) =>
      Object.entries(rows[index]!.reputation ?? {}).map(([type, score]) => ({ gameId, npcId: npc.id, type: type as ReputationType, score: score ?? 0.5 })),
    );
    if (reputationRows.length > 0) await this.orm.insert(reputationScores).values(reputationRows);
    return inserted.map(toNpcRecord);
  }

  async insertConflict(gameId: string, conflict: { type: string; title: string; description: string }): Promise<ConflictRecord> {
    const [row] = await this.orm.insert(conflicts).values({ ...conflict, gameId }).returning();
    return toConflictRecord(row!);
  }

  async insertStakeholders(
    gameId: string,
    rows: Array<Omit<StakeholderRecord, 'id' | 'profile'>>,
  ): Promise<StakeholderRecord[]> {
    if (rows.length === 0) return [];
    const inserted = await this.orm
      .insert(stakeholders)
      .values(rows.map((s) => ({ ...s, gameId })))
      .onConflictDoNothing()
      .returning();
    return inserted.map(toStakeholderRecord);
  }

  async setStakeholderProfile(stakeholderId: number, profile: Record<string, unknown>): Promise<void> {
    await this.orm.update(stakeholders).set({ profile }).where(eq(stakeholders.id, stakeholderId));
  }

  async findStakeholder(stakeholderId: number): Promise<StakeholderRecord | undefined> {
    const [row] = await this.orm.select().from(stakeholders).where(eq(stakeholders.id, stakeholderId)).limit(1);
    return row ? toStakeholderRecord(row) : undefined;
  }

  /** Atomically moves the game's version on by one and returns the new version. */
  async bumpVersion(gameId: string): Promise<number> {
    const [row] = await this.orm
      .update(games)
      .set({ version: sql`${games.version} + 1`, updatedAt: new Date() })
      .where(eq(games.id, gameId))
      .returning({ version: games.version });
    return row?.version ?? 0;
  }

  /** The entities of a game whose row is already in hand (five indexed reads). */
  async loadEntities(game: GameRecord): Promise<GameSnapshot> {
    const gameId = game.id;
    const [npcRows, conflictRows, stakeholderRows, flowRows, reputationRows] = await Promise.all([
      this.orm.select().from(npcs).where(eq(npcs.gameId, gameId)).orderBy(npcs.id),
      this.orm.select().from(conflicts).where(eq(conflicts.gameId, gameId)).orderBy(conflicts.id),
      this.orm.select().from(stakeholders).where(eq(stakeholders.gameId, gameId)).orderBy(stakeholders.id),
      this.orm.select().from(conflictFlows).where(eq(conflictFlows.gameId, gameId)),
      this.orm.select().from(reputationScores).where(eq(reputationScores.gameId, gameId)),
    ]);
    const reputations = new Map<number, ReputationScores>();
    for (const row of reputationRows) {
      reputations.set(row.npcId, { ...(reputations.get(row.npcId) ?? {}), [row.type]: row.score });
    }
    return new GameSnapshot(
      game,
      new Map(npcRows.map((row) => [row.id, toNpcRecord(row)])),
      new Map(conflictRows.map((row) => [row.id, toConflictRecord(row)])),
      new Map(stakeholderRows.map((row) => [row.id, toStakeholderRecord(row)])),
      new Map(flowRows.map((row) => [row.conflictId, toFlow(row)])),
      reputations,
    );
  }

  /**
   * Ids for rows a request will insert when it commits. Sequences never roll back, so ids a
   * request did not get to use are simply skipped.
   */
  async allocateIds(table: 'conflicts' | 'stakeholders', count: number): Promise<number[]> {
    if (count <= 0) return [];
    const { rows } = await this.db.query<{ id: unknown }>(
      sql`select nextval(pg_get_serial_sequence(${table}, 'id')) as id from generate_series(1, ${count})`,
    );
    return rows.map((row) => Number(row.id));
  }

  /**
   * Writes everything the request changed and moves the version on, in one statement, if and only
   * if no other writer saved the game since this snapshot was read (compare-and-set on
   * `entities_version`). Every write in the statement reads the version bump, so when the bump
   * finds a newer version nothing at all is written and the caller gets `stale`: a request never
   * saves, nor caches, a world it did not win.
   */
  async saveSnapshot(snapshot: GameSnapshot): Promise<SaveResult> {
    if (!snapshot.hasChanges) return { status: 'saved', version: snapshot.version };
    const pending = snapshot.pendingWrites();
    const gameId = snapshot.game.id;
    const writes: SQL[] = [];
    if (pending.conflicts.length > 0) {
      writes.push(insertIfCurrent(conflicts, pending.conflicts.map((c) => ({
        id: c.id,
        gameId,
        type: c.type,
        title: c.title,
        description: c.description,
        status: c.status,
        resolution: c.resolution,
        createdAt: new Date(c.createdAt),
      }))));
    }
    if (pending.stakeholders.length > 0) {
      writes.push(insertIfCurrent(stakeholders, pending.stakeholders.map((s) => ({
        id: s.id,
        gameId,
        conflictId: s.conflictId,
        npcId: s.npcId,
        role: s.role,
        decisionStyle: s.decisionStyle,
        stress: s.stress,
        commitment: s.commitment,
      }))));
    }
    if (pending.changedStakeholders.length > 0) {
      const values = sql.join(
        pending.changedStakeholders.map((s) => sql`(${s.id}::integer, ${s.role}::text, ${s.stress}::real, ${s.commitment}::real)`),
        sql`, `,
      );
      writes.push(sql`update stakeholders set role = v.role, stress = v.stress, commitment = v.commitment
        from (values ${values}) as v(id, role, stress, commitment), bump where stakeholders.id = v.id`);
    }
    for (const { id, resolution } of pending.resolved) {
      writes.push(sql`update conflicts set status = 'resolved', resolution = ${JSON.stringify(resolution)}::jsonb, resolved_at = now()
        from bump where conflicts.id = ${id} and conflicts.game_id = ${gameId}`);
    }
    if (pending.flows.length > 0) {
      writes.push(
        insertIfCurrent(
          conflictFlows,
          pending.flows.map((flow) => ({ conflictId: flow.conflictId, gameId, ...flowColumns(flow), updatedAt: new Date() })),
          sql`on conflict (conflict_id) do update set phase = excluded.phase, pacing = excluded.pacing, intensity = excluded.intensity,
            momentum = excluded.momentum, phase_progress = excluded.phase_progress, last_beat_type = excluded.last_beat_type,
            last_beat_at = excluded.last_beat_at, updated_at = excluded.updated_at`,
        ),
      );
    }
    if (pending.reputations.length > 0) {
      writes.push(
        insertIfCurrent(
          reputationScores,
          pending.reputations.map((r) => ({ gameId, npcId: r.npcId, type: r.type, score: r.score, updatedAt: new Date() })),
          sql`on conflict (npc_id, type) do update set score = excluded.score, updated_at = excluded.updated_at`,
        ),
      );
    }
    if (pending.transitions.length > 0) writes.push(insertIfCurrent(phaseTransitions, pending.transitions));
    if (pending.beats.length > 0) writes.push(insertIfCurrent(dramaticBeats, pending.beats, sql`on conflict do nothing`));
    if (pending.content.length > 0) writes.push(insertIfCurrent(contentItems, pending.content, sql`on conflict do nothing`));
    if (pending.consumedPlans.length > 0) {
      const ids = sql.join(pending.consumedPlans.map((id) => sql`${id}::bigint`), sql`, `);
      writes.push(sql`update planned_stakeholder_actions set status = 'consumed', consumed_at = now()
        from bump where planned_stakeholder_actions.id in (${ids}) and planned_stakeholder_actions.status = 'ready'`);
    }
    const bump = sql`update games set version = version + 1, entities_version = entities_version + 1, updated_at = now()
      where id = ${gameId} and entities_version = ${snapshot.game.entitiesVersion} returning version, entities_version`;
    const ctes = [sql`bump as (${bump})`, ...writes.map((write, i) => sql`${sql.raw(`write_${i}`)} as (${write})`)];
    const { rows } = await this.db.query<{ version: unknown; entities_version: unknown }>(
      sql`with ${sql.join(ctes, sql`, `)} select version, entities_version from bump`,
    );
    const row = rows[0];
    if (!row) return { status: 'stale' };
    snapshot.clearChanges();
    snapshot.game.version = Number(row.version);
    snapshot.game.entitiesVersion = Number(row.entities_version);
    return { status: 'saved', version: snapshot.game.version };
  }

  async activeAlliances(gameId: string, npcId: number) {
    return this.orm
      .select()
      .from(socialAlliances)
      .where(
        and(
          eq(socialAlliances.gameId, gameId),
          eq(socialAlliances.status, 'active'),
          sql`(${socialAlliances.party1Id} = ${npcId} OR ${socialAlliances.party2Id} = ${npcId})`,
        ),
      )
      .orderBy(desc(socialAlliances.createdAt))
      .limit(10);
  }

  async insertAlliance(
    gameId: string,
    alliance: { party1Id: number; party2Id: number; allianceType: string; terms: Record<string, unknown>; isSecret: boolean },
  ): Promise<number> {
    const [row] = await this.orm.insert(socialAlliances).values({ gameId, ...alliance }).returning({ id: socialAlliances.id });
    return row!.id;
  }

  /** The newest canon record of a conflict, in the shape the cache holds it. */
  async latestCanonRecord(conflictId: number): Promise<CachedCanonRecord | undefined> {
    const [row] = await this.orm
      .select()
      .from(canonRecords)
      .where(eq(canonRecords.conflictId, conflictId))
      .orderBy(desc(canonRecords.createdAt))
      .limit(1);
    if (!row) return undefined;
    return {
      canonId: row.canonId,
      eventType: row.eventType,
      name: row.name,
      canonText: row.canonText,
      significanceScore: row.significanceScore,
      culturalImpact: row.culturalImpact,
      createdAt: row.createdAt.getTime(),
    };
  }

  async canonRecordsOf(gameId: string) {
    return this.orm.select().from(canonRecords).where(eq(canonRecords.gameId, gameId)).orderBy(desc(canonRecords.createdAt));
  }

  async insertCanonRecord(
    gameId: string,
    record: { conflictId: number; eventType: CanonEventType; name: string; canonText: string; significanceScore: number; culturalImpact: string; tags: string[] },
  ): Promise<number> {
    const [row] = await this.orm.insert(canonRecords).values({ gameId, ...record }).returning({ id: canonRecords.canonId });
    return row!.id;
  }



  async findFlow(conflictId: number): Promise<ConflictFlow | undefined> {
    const [row] = await this.orm.select().from(conflictFlows).where(eq(conflictFlows.conflictId, conflictId)).limit(1);
    return row ? toFlow(row) : undefined;
  }
}

function toNpcRecord(row: typeof npcs.$inferSelect): NpcRecord {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    description: row.description ?? '',
    traits: row.traits ?? [],
    socialRole: row.socialRole ?? 'follower',
    location: row.location ?? null,
    gossipTendency: row.gossipTendency,
  };
}

function toConflictRecord(row: typeof conflicts.$inferSelect): ConflictRecord {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    description: row.description ?? '',
    status: row.status,
    resolution: row.resolution ?? null,
    createdAt: row.createdAt.getTime(),
  };
}

function toStakeholderRecord(row: typeof stakeholders.$inferSelect): StakeholderRecord {
  return {
    id: row.id,
    npcId: row.npcId,
    conflictId: row.conflictId,
    role: row.role as StakeholderRole,
    decisionStyle: row.decisionStyle as DecisionStyle,
    stress: row.stress,
    commitment: row.commitment,
    profile: row.profile ?? null,
  };
}

function toFlow(row: typeof conflictFlows.$inferSelect): ConflictFlow {
  return {
    conflictId: row.conflictId,
    phase: row.phase as Phase,
    pacing: row.pacing as PacingStyle,
    intensity: row.intensity,
    momentum: row.momentum,
    // A missing or non-finite progress reads as halfway (0.5); the column is NOT NULL, so this is a guard.
    phaseProgress: number(row.phaseProgress, 0.5),
    ...(row.lastBeatType ? { lastBeatType: row.lastBeatType as BeatType } : {}),
    ...(row.lastBeatAt ? { lastBeatAt: row.lastBeatAt.getTime() } : {}),
  };
}

function flowColumns(flow: ConflictFlow) {
  return {
    phase: flow.phase,
    pacing: flow.pacing,
    intensity: flow.intensity,
    momentum: flow.momentum,
    phaseProgress: flow.phaseProgress,
    lastBeatType: flow.lastBeatType ?? null,
    lastBeatAt: flow.lastBeatAt ? new Date(flow.lastBeatAt) : null,
  };
}

/** A column's type as a cast: serial columns take plain integers. */
function castType(column: PgColumn): string {
  const type = column.getSQLType();
  if (type === 'serial') return 'integer';
  if (type === 'bigserial') return 'bigint';
  return type;
}

/**
 * `insert … select` of typed rows that inserts nothing unless the statement's `bump` moved the
 * game's version: one piece of a request's all-or-nothing save.
 */
function insertIfCurrent<T extends PgTable>(table: T, rows: Array<Partial<T['$inferInsert']>>, onConflict?: SQL): SQL {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const keys = Object.keys(rows[0]!);
  const target = keys.map((key) => columns[key]!);
  const names = sql.join(target.map((column) => sql.identifier(column.name)), sql`, `);
  const values = sql.join(
    rows.map((row) => {
      const record = row as Record<string, unknown>;
      return sql`(${sql.join(
        target.map((column, i) => sql`${sql.param(record[keys[i]!] ?? null, column)}::${sql.raw(castType(column))}`),
        sql`, `,
      )})`;
    }),
    sql`, `,
  );
  return sql`insert into ${table} (${names}) select * from (values ${values}) as v where exists (select 1 from bump) ${onConflict ?? sql``}`;
}
