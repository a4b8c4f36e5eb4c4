import { and, desc, eq, getTableColumns, inArray, or, Param, SQL, sql, StringChunk } from 'drizzle-orm';
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
} from './schema/index.js';
import type { BeatType, CanonEventType, ConflictFlow, DecisionStyle, PacingStyle, Phase, StakeholderRole } from '../domain/index.js';
import type { CachedCanonRecord } from '../domain/cache-contract.js';
import type { ReputationScores, ReputationType } from '../domain/social.js';
import { contentItemView, type ContentRow } from '../engine/content-feed.js';
import type { ContentItemView } from '../engine/game-state.js';
import { GameSnapshot, type ConflictRecord, type GameRecord, type NpcRecord, type StakeholderRecord } from './game-snapshot.js';

/**
 * The durable state of games: the repository the hot path reads a snapshot from and saves it to,
 * in a few indexed statements per request, and the slow path's few direct writes.
 */

/** What a save came to: written at `version`, or nothing written because another writer saved first. */
/** The columns of a `GameRecord`, as every read and write of the game row returns them. */
const gameRecordColumns = {
  id: games.id,
  scenarioId: games.scenarioId,
  seed: games.seed,
  tokenHash: games.tokenHash,
  version: games.version,
  entitiesVersion: games.entitiesVersion,
};

/** A game row as raw SQL returns it (`id` named `game_id`). */
type GameRow = { game_id: unknown; scenario_id: unknown; seed: unknown; token_hash: unknown; version: unknown; entities_version: unknown };

const toGameRecord = (row: GameRow): GameRecord => ({
  id: String(row.game_id),
  scenarioId: String(row.scenario_id),
  seed: Number(row.seed),
  tokenHash: String(row.token_hash),
  version: Number(row.version),
  entitiesVersion: Number(row.entities_version),
});

/**
 * A job's own statements as the first CTEs of the statement that lands its result: PostgreSQL runs
 * every data-modifying CTE once and to completion, whether or not the rest reads it.
 */
const writesFirst = (writes: readonly SQL[]): SQL =>
  sql.join(
    writes.map((write, i) => sql`${sql.raw(`job_write_${i}`)} as (${write})`),
    sql`, `,
  );

export type SaveResult = { status: 'saved'; version: number } | { status: 'stale' };

const number = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);

/**
 * How a generating feed item settles: filled with generated text, failed for good on its fallback,
 * or shed (on its fallback for now, its task kept so the slow path can still write it with room).
 */
export type ContentSettlement = { status: 'ready'; text: string } | { status: 'failed' } | { status: 'shed' };

type IdTable = 'conflicts' | 'stakeholders';

export class GameStore {
  /** Ids reserved by `allocateIds` and not handed out yet, per table. */
  private readonly reservedIds: Record<IdTable, number[]> = { conflicts: [], stakeholders: [] };

  /** @param idBlock ids reserved from a sequence at a time (default 32; 1 reserves only what is asked for). */
  constructor(
    readonly db: Database,
    private readonly idBlock = 32,
  ) {}

  private get orm() {
    return this.db.orm;
  }

  async insertGame(game: Omit<GameRecord, 'version' | 'entitiesVersion'>): Promise<void> {
    await this.orm.insert(games).values({ ...game, version: 0, entitiesVersion: 0 });
  }

  async findGame(gameId: string): Promise<GameRecord | undefined> {
    const [row] = await this.orm.select(gameRecordColumns).from(games).where(eq(games.id, gameId)).limit(1);
    return row;
  }

  async insertNpcs(gameId: string, rows: Array<Omit<NpcRecord, 'id'> & { reputation?: ReputationScores }>): Promise<NpcRecord[]> {
    if (rows.length === 0) return [];
    const inserted = await this.orm
      .insert(npcs)
      .values(rows.map(({ reputation: _reputation, ...npc }) => ({ ...npc, gameId })))
      .returning();
    const reputationRows = inserted.flatMap((npc, index) =>
      Object.entries(rows[index]!.reputation ?? {}).map(([type, score]) => ({
        gameId,
        npcId: npc.id,
        type: type as ReputationType,
        score: score ?? 0.5,
      })),
    );
    if (reputationRows.length > 0) await this.orm.insert(reputationScores).values(reputationRows);
    return inserted.map(toNpcRecord);
  }

  async insertConflict(gameId: string, conflict: { type: string; title: string; description: string }): Promise<ConflictRecord> {
    const [row] = await this.orm
      .insert(conflicts)
      .values({ ...conflict, gameId })
      .returning();
    return toConflictRecord(row!);
  }

  async insertStakeholders(gameId: string, rows: Array<Omit<StakeholderRecord, 'id' | 'profile'>>): Promise<StakeholderRecord[]> {
    if (rows.length === 0) return [];
    const inserted = await this.orm
      .insert(stakeholders)
      .values(rows.map((s) => ({ ...s, gameId })))
      .onConflictDoNothing()
      .returning();
    return inserted.map(toStakeholderRecord);
  }

  /** The statement that sets a stakeholder's profile, not run: a job lands it with its result (`TaskContext.stage`). */
  stakeholderProfileUpdate(stakeholderId: number, profile: Record<string, unknown>): SQL {
    return this.orm.update(stakeholders).set({ profile }).where(eq(stakeholders.id, stakeholderId)).getSQL();
  }

  async findStakeholder(stakeholderId: number): Promise<StakeholderRecord | undefined> {
    const [row] = await this.orm.select().from(stakeholders).where(eq(stakeholders.id, stakeholderId)).limit(1);
    return row ? toStakeholderRecord(row) : undefined;
  }

  /**
   * Atomically moves the game's version on by one and returns the game as it now stands. `writes`
   * (a job's own statements, such as its planned moves) land in the same statement, before it, and
   * so do the feed items in `added` (ready lines nobody was waiting for); an item whose `sourceKey`
   * the feed already holds is left out, and `addedIds` names the ones inserted.
   */
  async bumpVersion(
    gameId: string,
    { writes = [], added = [] }: { writes?: readonly SQL[]; added?: readonly ContentRow[] } = {},
  ): Promise<{ game: GameRecord; addedIds: ReadonlySet<string> } | undefined> {
    if (writes.length === 0 && added.length === 0) {
      const [row] = await this.orm
        .update(games)
        .set({ version: sql`${games.version} + 1`, updatedAt: new Date() })
        .where(eq(games.id, gameId))
        .returning(gameRecordColumns);
      return row && { game: row, addedIds: new Set() };
    }
    const ctes = [
      ...(writes.length > 0 ? [writesFirst(writes)] : []),
      ...(added.length > 0
        ? [
            sql`job_added as (${this.orm
              .insert(contentItems)
              .values([...added])
              .onConflictDoNothing()
              .returning({ id: contentItems.id })
              .getSQL()})`,
          ]
        : []),
    ];
    const { rows } = await this.db.query<GameRow & { added_ids: unknown }>(sql`
      with ${sql.join(ctes, sql`, `)}
      update games set version = games.version + 1, updated_at = now() where games.id = ${gameId}
      returning games.id as game_id, games.scenario_id, games.seed, games.token_hash, games.version, games.entities_version,
        ${added.length > 0 ? sql`(select json_agg(id) from job_added)` : sql`null`} as added_ids`);
    const row = rows[0];
    return row && { game: toGameRecord(row), addedIds: new Set((row.added_ids as string[] | null) ?? []) };
  }

  /** Runs a job's own statements in one round trip, with no version move (a job that wrote nothing a player sees). */
  async runWrites(writes: readonly SQL[]): Promise<void> {
    if (writes.length > 0) await this.db.query(sql`with ${writesFirst(writes)} select 1`);
  }

  /**
   * Settles generating feed items of one game (each filled with generated text, or left on its
   * fallback) and moves the game's version on once, in one statement: a slow-path result is one
   * round trip however many items it fills (a whole turn), and the version it moves to holds exactly
   * this change. Items already settled or gone are left out; undefined when none was settled.
   * `writes` (the job's own statements) land in the same statement, whether or not an item settled.
   */
  async settleContents(
    settlements: ReadonlyArray<{ id: string; change: ContentSettlement }>,
    writes: readonly SQL[] = [],
  ): Promise<{ items: ContentItemView[]; game: GameRecord } | undefined> {
    if (settlements.length === 0) {
      await this.runWrites(writes);
      return undefined;
    }
    // A failed item keeps no task: only a shed one (the slow path had no room for it) is written later.
    const rows = sql.join(
      settlements.map(({ id, change }) => {
        const ready = change.status === 'ready';
        const text = ready ? change.text : null;
        return sql`(${id}::text, ${ready ? 'ready' : 'failed'}::text, ${ready ? 'generated' : 'fallback'}::text, ${text}::text, ${change.status !== 'failed'}::boolean)`;
      }),
      sql`, `,
    );
    const { rows: settled } = await this.db.query<Record<string, unknown>>(sql`
      with ${writes.length > 0 ? sql`${writesFirst(writes)}, ` : sql``}v (id, status, origin, text, keeps_task) as (values ${rows}),
      settled as (
        update content_items c set status = v.status, origin = v.origin, text = coalesce(v.text, c.text),
          task = case when v.keeps_task then c.task end, updated_at = now()
        from v where c.id = v.id and c.status = 'generating'
        returning c.id, c.game_id, c.kind, c.status, c.origin, c.text, c.fallback_text, c.subject, c.created_at, c.state_version
      ), bumped as (
        update games set version = games.version + 1, updated_at = now() where games.id in (select game_id from settled)
        returning games.id, games.scenario_id, games.seed, games.token_hash, games.version, games.entities_version
      )
      select s.id, s.kind, s.status, s.origin, s.text, s.fallback_text, s.subject, s.created_at, s.state_version,
        b.id as game_id, b.scenario_id, b.seed, b.token_hash, b.version, b.entities_version
      from settled s join bumped b on b.id = s.game_id`);
    const first = settled[0];
    if (!first) return undefined;
    const order = new Map(settlements.map(({ id }, i) => [id, i]));
    const items = settled
      .map((row) =>
        contentItemView({
          id: String(row.id),
          kind: String(row.kind),
          status: row.status as ContentItemView['status'],
          origin: row.origin as ContentItemView['origin'],
          text: row.text as string | null,
          fallbackText: row.fallback_text as string | null,
          subject: row.subject as Record<string, string | number>,
          // node-postgres reads a timestamp as a Date, the embedded database as text.
          createdAt: new Date(row.created_at as string | Date),
          stateVersion: row.state_version === null ? null : Number(row.state_version),
        }),
      )
      .sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    return { items, game: toGameRecord(first as GameRow) };
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
   * Ids for rows a request will insert when it commits. They come from ids this process reserved
   * from the table's sequence a block at a time (`idBlock`, default 32), so most requests that open
   * a conflict spend no statement on its ids: the write stays the request's one round trip. A
   * sequence hands each id out once across every process, and never rolls back: ids a process or a
   * request did not get to use (a restart, a lost save) are simply skipped, and ids from two
   * processes interleave rather than follow creation order.
   */
  async allocateIds(table: IdTable, count: number): Promise<number[]> {
    const reserved = this.reservedIds[table];
    if (reserved.length < count) {
      const { rows } = await this.db.query<{ id: unknown }>(
        sql`select nextval(pg_get_serial_sequence(${table}, 'id')) as id from generate_series(1, ${Math.max(count, this.idBlock)})`,
      );
      reserved.push(...rows.map((row) => Number(row.id)));
    }
    return reserved.splice(0, count);
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
      writes.push(
        insertIfCurrent(
          conflicts,
          pending.conflicts.map((c) => ({
            id: c.id,
            gameId,
            type: c.type,
            title: c.title,
            description: c.description,
            status: c.status,
            resolution: c.resolution,
            createdAt: new Date(c.createdAt),
          })),
        ),
      );
    }
    if (pending.stakeholders.length > 0) {
      writes.push(
        insertIfCurrent(
          stakeholders,
          pending.stakeholders.map((s) => ({
            id: s.id,
            gameId,
            conflictId: s.conflictId,
            npcId: s.npcId,
            role: s.role,
            decisionStyle: s.decisionStyle,
            stress: s.stress,
            commitment: s.commitment,
          })),
        ),
      );
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
      const ids = sql.join(
        pending.consumedPlans.map((id) => sql`${id}::bigint`),
        sql`, `,
      );
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

  /**
   * The active alliances any of `npcIds` is a party to, newest first, in one statement: at most
   * `perNpc` (default 10) for each NPC asked about, counted over all of them.
   */
  async activeAlliances(gameId: string, npcIds: readonly number[], perNpc = 10) {
    if (npcIds.length === 0) return [];
    return this.orm
      .select()
      .from(socialAlliances)
      .where(
        and(
          eq(socialAlliances.gameId, gameId),
          eq(socialAlliances.status, 'active'),
          or(inArray(socialAlliances.party1Id, [...npcIds]), inArray(socialAlliances.party2Id, [...npcIds])),
        ),
      )
      .orderBy(desc(socialAlliances.createdAt))
      .limit(perNpc * npcIds.length);
  }

  /** The statement that records an alliance, not run: its job lands it with its result (`TaskContext.stage`). */
  allianceInsert(
    gameId: string,
    alliance: { party1Id: number; party2Id: number; allianceType: string; terms: Record<string, unknown>; isSecret: boolean },
  ): SQL {
    return this.orm
      .insert(socialAlliances)
      .values({ gameId, ...alliance })
      .getSQL();
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
    record: {
      conflictId: number;
      eventType: CanonEventType;
      name: string;
      canonText: string;
      significanceScore: number;
      culturalImpact: string;
      tags: string[];
    },
  ): Promise<number> {
    const [row] = await this.orm
      .insert(canonRecords)
      .values({ gameId, ...record })
      .returning({ id: canonRecords.canonId });
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
export function castType(column: PgColumn): string {
  const type = column.getSQLType();
  if (type === 'serial') return 'integer';
  if (type === 'bigserial') return 'bigint';
  return type;
}

/**
 * `insert … select` of typed rows that inserts nothing unless the statement's `bump` moved the
 * game's version: one piece of a request's all-or-nothing save. The values are one flat run of
 * parameters and text rather than a nested `sql` per value: drizzle walks every nested chunk with
 * several type checks, and a request's save holds a value per column of every row it writes, so
 * the nesting cost the request thread more than the rest of the statement (profiled).
 */
export function insertIfCurrent<T extends PgTable>(table: T, rows: Array<Partial<T['$inferInsert']>>, onConflict?: SQL): SQL {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const keys = Object.keys(rows[0]!);
  const target = keys.map((key) => columns[key]!);
  const names = sql.join(
    target.map((column) => sql.identifier(column.name)),
    sql`, `,
  );
  // `(p1::type, p2::type), (…)`: the same text the nested form renders.
  const casts = target.map((column, i) => new StringChunk(`::${castType(column)}${i < target.length - 1 ? ', ' : ')'}`));
  const values: Array<StringChunk | Param> = [];
  rows.forEach((row, r) => {
    const record = row as Record<string, unknown>;
    values.push(new StringChunk(r === 0 ? '(' : ', ('));
    target.forEach((column, i) => {
      values.push(new Param(record[keys[i]!] ?? null, column), casts[i]!);
    });
  });
  return sql`insert into ${table} (${names}) select * from (values ${new SQL(values)}) as v where exists (select 1 from bump) ${onConflict ?? sql``}`;
}
