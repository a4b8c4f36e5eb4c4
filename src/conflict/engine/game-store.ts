import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../runtime/db/database.js';
import {
  canonRecords,
  conflictFlows,
  conflicts,
  dramaticBeats,
  games,
  npcs,
  phaseTransitions,
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

export class GameSnapshot {
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

  /** Counts a change that the store wrote directly (a new row), so the version still moves. */
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
    return {
      stakeholders: [...this.changedStakeholders].map((id) => this.stakeholders.get(id)!),
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
    this.changedStakeholders.clear();
    this.changedFlows.clear();
    this.changedReputations.clear();
    this.changes = 0;
  }
}

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

  async recordTransition(
    gameId: string,
    conflictId: number,
    transition: { fromPhase: Phase | null; toPhase: Phase; transitionType: TransitionType; trigger: string },
  ): Promise<void> {
    await this.orm.insert(phaseTransitions).values({ gameId, conflictId, ...transition });
  }

  async recordBeat(gameId: string, beat: { id: string; conflictId: number; beatType: BeatType; impact: number; source: 'rule' | 'generated' }) {
    await this.orm.insert(dramaticBeats).values({ gameId, ...beat }).onConflictDoNothing();
  }

  async resolveConflict(conflictId: number, resolution: Record<string, unknown>): Promise<void> {
    await this.orm
      .update(conflicts)
      .set({ status: 'resolved', resolution, resolvedAt: new Date() })
      .where(eq(conflicts.id, conflictId));
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
   * Writes what the handlers changed and bumps the version, in one statement (data-modifying
   * CTEs): every statement is a round trip, and on PGlite a turn of its single session.
   * Returns the new version.
   */
  async saveSnapshot(snapshot: GameSnapshot): Promise<number> {
    if (!snapshot.hasChanges) return snapshot.version;
    const { stakeholders: changedStakeholders, flows, reputations } = snapshot.pendingWrites();
    const gameId = snapshot.game.id;
    const writes: SQL[] = [];
    if (changedStakeholders.length > 0) {
      const values = sql.join(
        changedStakeholders.map((s) => sql`(${s.id}::integer, ${s.role}::text, ${s.stress}::real, ${s.commitment}::real)`),
        sql`, `,
      );
      writes.push(sql`update stakeholders set role = v.role, stress = v.stress, commitment = v.commitment
        from (values ${values}) as v(id, role, stress, commitment) where stakeholders.id = v.id`);
    }
    if (flows.length > 0) {
      writes.push(
        this.orm
          .insert(conflictFlows)
          .values(flows.map((flow) => ({ ...flowColumns(flow), conflictId: flow.conflictId, gameId })))
          .onConflictDoUpdate({ target: conflictFlows.conflictId, set: { ...excludedFlowColumns, updatedAt: new Date() } })
          .getSQL(),
      );
    }
    if (reputations.length > 0) {
      writes.push(
        this.orm
          .insert(reputationScores)
          .values(reputations.map((r) => ({ gameId, npcId: r.npcId, type: r.type, score: r.score })))
          .onConflictDoUpdate({
            target: [reputationScores.npcId, reputationScores.type],
            set: { score: sql`excluded.score`, updatedAt: new Date() },
          })
          .getSQL(),
      );
    }
    const bump = this.orm
      .update(games)
      .set({ version: sql`${games.version} + 1`, entitiesVersion: sql`${games.entitiesVersion} + 1`, updatedAt: new Date() })
      .where(eq(games.id, gameId))
      .returning({ version: games.version, entitiesVersion: games.entitiesVersion });
    const ctes = writes.map((write, i) => sql`${sql.raw(`write_${i}`)} as (${write})`);
    const statement = ctes.length > 0 ? sql`with ${sql.join(ctes, sql`, `)} ${bump.getSQL()}` : bump.getSQL();
    const { rows } = await this.db.query<{ version: unknown; entities_version: unknown }>(statement);
    snapshot.clearChanges();
    const row = rows[0];
    if (row) {
      snapshot.game.version = Number(row.version);
      snapshot.game.entitiesVersion = Number(row.entities_version);
    }
    return snapshot.game.version;
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
    // The seed loaded a NULL progress as 0.5 (§9); the column is NOT NULL here, but keep the rule.
    phaseProgress: number(row.phaseProgress, 0.5),
    ...(row.lastBeatType ? { lastBeatType: row.lastBeatType as BeatType } : {}),
    ...(row.lastBeatAt ? { lastBeatAt: row.lastBeatAt.getTime() } : {}),
  };
}

/** An upsert's SET for every flow column: the incoming row's values. */
const excludedFlowColumns = {
  phase: sql`excluded.phase`,
  pacing: sql`excluded.pacing`,
  intensity: sql`excluded.intensity`,
  momentum: sql`excluded.momentum`,
  phaseProgress: sql`excluded.phase_progress`,
  lastBeatType: sql`excluded.last_beat_type`,
  lastBeatAt: sql`excluded.last_beat_at`,
};

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
