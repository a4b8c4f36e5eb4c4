import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PlannedDecision } from '../../src/conflict/domain/stakeholder.js';
import { CanonLedger } from '../../src/conflict/store/canon-ledger.js';
import { GameStore } from '../../src/conflict/store/game-store.js';
import { metrics } from '../../src/observability/metrics.js';
import { migrationsFolder, openDatabase, statementCounter, type Database } from '../../src/runtime/db/database.js';
import { asSlowPathWork, hotPath } from '../../src/runtime/hot-path/hot-path.js';
import { PlannedActions, type NewPlannedAction } from '../../src/conflict/store/planned-actions.js';
import {
  conflicts,
  contentItems,
  games,
  npcs,
  plannedStakeholderActions,
  stakeholders,
  type PlannedActionKind,
  type PlannedActionStatus,
} from '../../src/conflict/store/schema/index.js';
import { ContentFeed } from '../../src/conflict/engine/content-feed.js';
import { openFeedItem } from '../support/feed.js';
import { createTestDatabase, describeWithServices } from '../support/services.js';

interface Backend {
  db: Database;
  /** A second handle on the same database: its own connections on PostgreSQL, the same session on PGlite. */
  openPeer(): Promise<Database>;
  close(): Promise<void>;
}

const expectedTables = [
  'games',
  'npcs',
  'conflicts',
  'stakeholders',
  'conflict_flows',
  'phase_transitions',
  'dramatic_beats',
  'reputation_scores',
  'social_alliances',
  'canon_events',
  'canon_records',
  'content_items',
  'planned_stakeholder_actions',
];

const seedIndexes = [
  'idx_planned_actions_stakeholder_status',
  'idx_planned_actions_scene_ready',
  'idx_planned_actions_conflict_ready',
  'idx_planned_actions_context_hash',
  'idx_planned_actions_expired',
];

const journalEntries = (JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: unknown[] }).entries
  .length;

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

interface GameFixture {
  gameId: string;
  conflictId: number;
  stakeholderIds: number[];
}

async function createGame(db: Database, stakeholderCount = 3): Promise<GameFixture> {
  const gameId = `game-${randomUUID()}`;
  await db.orm.insert(games).values({ id: gameId, scenarioId: 'test', seed: 1, tokenHash: 'x'.repeat(64) });
  const [conflict] = await db.orm.insert(conflicts).values({ gameId, type: 'social', title: 'A quarrel' }).returning({ id: conflicts.id });
  const people = await db.orm
    .insert(npcs)
    .values(Array.from({ length: stakeholderCount }, (_, i) => ({ gameId, key: `npc-${i}`, name: `NPC ${i}` })))
    .returning({ id: npcs.id });
  const parts = await db.orm
    .insert(stakeholders)
    .values(people.map((npc) => ({ gameId, conflictId: conflict!.id, npcId: npc.id })))
    .returning({ id: stakeholders.id });
  return { gameId, conflictId: conflict!.id, stakeholderIds: parts.map((s) => s.id) };
}

function databaseContract(openBackend: () => Promise<Backend>): void {
  let backend: Backend;
  let db: Database;
  let planned: PlannedActions;
  let tablesBeforeMigrating: number;

  const action = (game: GameFixture, extra: Partial<NewPlannedAction> = {}): NewPlannedAction =>
    ({
      gameId: game.gameId,
      stakeholderId: game.stakeholderIds[0]!,
      conflictId: game.conflictId,
      kind: 'action',
      payload: {
        action_type: 'observant',
        description: 'Observes the situation',
        success_probability: 0.5,
        text: 'Maren observes the situation.',
      },
      ...extra,
    }) as NewPlannedAction;

  const statusOf = async (id: number) => {
    const [row] = await db.orm
      .select({ status: plannedStakeholderActions.status })
      .from(plannedStakeholderActions)
      .where(eq(plannedStakeholderActions.id, id));
    return row?.status;
  };

  beforeAll(async () => {
    backend = await openBackend();
    db = backend.db;
    const { rows } = await db.query<{ n: number }>(
      sql`select count(*)::int as n from information_schema.tables where table_schema = 'public'`,
    );
    tablesBeforeMigrating = rows[0]!.n;
    await db.migrate();
    planned = new PlannedActions(db);
  });

  afterAll(async () => {
    await backend?.close();
  });

  beforeEach(async () => {
    await db.query(sql`truncate games cascade`);
  });

  it('migrates an empty database, and migrating again is a no-op', async () => {
    expect(tablesBeforeMigrating).toBe(0);
    const applied = async () =>
      (await db.query<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)).rows[0]!.n;
    expect(await applied()).toBe(journalEntries);

    await db.migrate();

    expect(await applied()).toBe(journalEntries);
    const { rows } = await db.query<{ table_name: string }>(
      sql`select table_name from information_schema.tables where table_schema = 'public'`,
    );
    expect(rows.map((r) => r.table_name).sort()).toEqual([...expectedTables].sort());
  });

  it('times each statement from the caller, by path, the wait for the database included', async () => {
    const countOf = async (path: 'hot' | 'slow') => {
      const metric = await metrics.dbStatementDuration.get();
      return metric.values.find((v) => v.metricName === 'nyx_db_statement_duration_seconds_count' && v.labels.path === path)?.value ?? 0;
    };
    const sumOf = async (path: 'hot' | 'slow') => {
      const metric = await metrics.dbStatementDuration.get();
      return metric.values.find((v) => v.metricName === 'nyx_db_statement_duration_seconds_sum' && v.labels.path === path)?.value ?? 0;
    };
    const [hotBefore, slowBefore, slowSumBefore] = [await countOf('hot'), await countOf('slow'), await sumOf('slow')];
    await hotPath('test.request', () => db.query(sql`select 1`));
    await db.query(sql`select pg_sleep(0.05)`);
    expect(await countOf('hot')).toBe(hotBefore + 1);
    expect(await countOf('slow')).toBe(slowBefore + 1);
    // In seconds, from the caller's clock: about the sleep, and nowhere near a minute. (PGlite's
    // pg_sleep, in WebAssembly, was seen to wake 7 ms early on a loaded machine.)
    expect((await sumOf('slow')) - slowSumBefore).toBeGreaterThanOrEqual(0.035);
    expect((await sumOf('slow')) - slowSumBefore).toBeLessThan(5);
  });

  it('hands out ids reserved a block at a time, never the same id to two stores on one database', async () => {
    const slowStatements = async () =>
      (await metrics.dbStatements.get()).values.filter((v) => v.labels.path === 'slow').reduce((sum, v) => sum + v.value, 0);
    const [one, two] = [new GameStore(db, 4), new GameStore(db, 4)];
    // What is left of a block is used to the last id before the next reservation.
    const exact = new GameStore(db, 4);
    const reserving = await slowStatements();
    await exact.allocateIds('conflicts', 2);
    await exact.allocateIds('conflicts', 2);
    expect((await slowStatements()) - reserving).toBe(1);
    const before = await slowStatements();
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(...(await one.allocateIds('conflicts', 2)), ...(await two.allocateIds('conflicts', 1)));
    // one: 10 ids in blocks of 4 → 3 reservations; two: 5 ids → 2 reservations.
    expect((await slowStatements()) - before).toBe(5);
    expect(new Set(ids).size).toBe(15);
    // An ask larger than the block is reserved whole.
    expect(await one.allocateIds('stakeholders', 9)).toHaveLength(9);
    expect(await one.allocateIds('stakeholders', 0)).toEqual([]);
  });

  it('creates the five seed indexes (four partial), the fk_stakeholder foreign key and the table comment', async () => {
    const { rows: indexes } = await db.query<{ indexname: string; indexdef: string }>(
      sql`select indexname, indexdef from pg_indexes where tablename = 'planned_stakeholder_actions'`,
    );
    const byName = new Map(indexes.map((i) => [i.indexname, i.indexdef]));
    for (const name of seedIndexes) expect(byName.has(name), name).toBe(true);
    const partial = seedIndexes.filter((name) => / WHERE /.test(byName.get(name)!));
    expect(partial).toEqual(seedIndexes.slice(1));

    const { rows: keys } = await db.query<{ definition: string }>(
      sql`select pg_get_constraintdef(oid) as definition from pg_constraint where conname = 'fk_stakeholder'`,
    );
    expect(keys).toHaveLength(1);
    expect(keys[0]!.definition).toMatch(/REFERENCES stakeholders\(id\) ON DELETE CASCADE/);

    const { rows: comments } = await db.query<{ comment: string | null }>(
      sql`select obj_description('planned_stakeholder_actions'::regclass, 'pg_class') as comment`,
    );
    expect(comments[0]!.comment).toMatch(/hot path/);
  });

  it('rejects a kind or a status outside the CHECK lists, and accepts role_adaptation', async () => {
    const game = await createGame(db);
    await expect(planned.insert(action(game, { kind: 'monologue' as PlannedActionKind }))).rejects.toThrow();
    await expect(planned.insert(action(game, { status: 'pending' as PlannedActionStatus }))).rejects.toThrow();
    const id = await planned.insert(action(game, { kind: 'role_adaptation' }));
    expect(await statusOf(id)).toBe('ready');
  });

  it('deletes a stakeholder’s planned actions with the stakeholder', async () => {
    const game = await createGame(db);
    const doomed = await planned.insert(action(game, { stakeholderId: game.stakeholderIds[0]! }));
    const kept = await planned.insert(action(game, { stakeholderId: game.stakeholderIds[1]! }));

    await db.orm.delete(stakeholders).where(eq(stakeholders.id, game.stakeholderIds[0]!));

    expect(await statusOf(doomed)).toBeUndefined();
    expect(await statusOf(kept)).toBe('ready');
  });

  it('claims highest priority first, then oldest, up to the limit, and consumes what it returns', async () => {
    const game = await createGame(db);
    const low = await planned.insert(action(game, { priority: 5, availableAt: minutesAgo(10) }));
    const reactionOlder = await planned.insert(action(game, { kind: 'reaction', priority: 8, availableAt: minutesAgo(9) }));
    const reactionNewer = await planned.insert(action(game, { kind: 'reaction', priority: 8, availableAt: minutesAgo(1) }));
    const stressed = await planned.insert(action(game, { priority: 7, availableAt: minutesAgo(5) }));

    expect((await planned.peekReady({ gameId: game.gameId, limit: 3 })).map((a) => a.id)).toEqual([reactionOlder, reactionNewer, stressed]);
    const first = await planned.claimReady({ gameId: game.gameId, limit: 3 });
    expect(first.map((a) => a.id)).toEqual([reactionOlder, reactionNewer, stressed]);
    expect(first[0]).toMatchObject({
      stakeholderId: game.stakeholderIds[0],
      kind: 'reaction',
      payload: { description: 'Observes the situation' },
      priority: 8,
      status: 'consumed',
    });
    expect(new Date(first[0]!.createdAt).toISOString()).toBe(first[0]!.createdAt);
    expect(first[0]!.consumedAt).not.toBeNull();

    expect((await planned.claimReady({ gameId: game.gameId })).map((a) => a.id)).toEqual([low]);
    expect(await planned.claimReady({ gameId: game.gameId })).toEqual([]);
    expect(await statusOf(low)).toBe('consumed');
  });

  it('claims only what matches the scene, stakeholders, conflict and game, and only once available', async () => {
    const game = await createGame(db);
    const other = await createGame(db);
    const [alice, bob, carol] = game.stakeholderIds as [number, number, number];
    const inScene = await planned.insert(action(game, { stakeholderId: alice, sceneHash: 'scene-1' }));
    const elsewhere = await planned.insert(action(game, { stakeholderId: bob, sceneHash: 'scene-2' }));
    const carols = await planned.insert(action(game, { stakeholderId: carol }));
    await planned.insert(action(game, { stakeholderId: carol, availableAt: new Date(Date.now() + 3_600_000) }));
    const otherGames = await planned.insert(action(other, { sceneHash: 'scene-1' }));

    expect(await planned.claimReady({ gameId: game.gameId, stakeholderIds: [] })).toEqual([]);
    expect((await planned.claimReady({ gameId: game.gameId, sceneHash: 'scene-1' })).map((a) => a.id)).toEqual([inScene]);
    expect((await planned.claimReady({ gameId: game.gameId, stakeholderIds: [bob, carol] })).map((a) => a.id).sort()).toEqual(
      [elsewhere, carols].sort(),
    );
    expect(await planned.claimReady({ gameId: game.gameId, conflictId: game.conflictId })).toEqual([]);
    expect(await statusOf(otherGames)).toBe('ready');
  });

  it('gives each of 100 ready actions to exactly one of two concurrent claimers', async () => {
    const game = await createGame(db);
    await db.orm.insert(plannedStakeholderActions).values(
      Array.from({ length: 100 }, (_, i) => ({
        gameId: game.gameId,
        stakeholderId: game.stakeholderIds[i % 3]!,
        kind: 'action' as const,
        payload: observing(`move ${i}`),
        priority: i % 10,
      })),
    );
    const peer = await backend.openPeer();
    try {
      const drain = async (claimer: PlannedActions) => {
        const ids: number[] = [];
        for (;;) {
          const batch = await claimer.claimReady({ gameId: game.gameId, limit: 7 });
          if (batch.length === 0) return ids;
          ids.push(...batch.map((a) => a.id));
        }
      };
      const [mine, theirs] = await Promise.all([drain(planned), drain(new PlannedActions(peer))]);
      const all = [...mine, ...theirs];
      expect(all).toHaveLength(100);
      expect(new Set(all).size).toBe(100);
    } finally {
      if (peer !== db) await peer.close();
    }
  });

  it('never claims an expired action, and expirePastDue marks it expired', async () => {
    const game = await createGame(db);
    const stale = await planned.insert(action(game, { priority: 9, expiresAt: minutesAgo(1) }));
    const fresh = await planned.insert(action(game, { expiresAt: new Date(Date.now() + 3_600_000) }));

    expect((await planned.peekReady({ gameId: game.gameId })).map((a) => a.id)).toEqual([fresh]);
    expect(await planned.expirePastDue()).toBe(1);
    expect(await statusOf(stale)).toBe('expired');
    expect(await statusOf(fresh)).toBe('ready');
    expect(await planned.expirePastDue()).toBe(0);
  });

  it('marks a ready action failed with its error, but not one already consumed', async () => {
    const game = await createGame(db);
    const failing = await planned.insert(action(game));
    expect(await planned.markFailed(failing, 'model timed out')).toBe(true);
    const [row] = await db.orm.select().from(plannedStakeholderActions).where(eq(plannedStakeholderActions.id, failing));
    expect(row).toMatchObject({ status: 'failed', error: 'model timed out' });
    expect(await planned.claimReady({ gameId: game.gameId })).toEqual([]);

    const claimed = await planned.insert(action(game));
    await planned.claimReady({ gameId: game.gameId });
    expect(await planned.markFailed(claimed, 'too late')).toBe(false);
    expect(await statusOf(claimed)).toBe('consumed');
  });

  it('cleans up only consumed and expired actions older than the cutoff', async () => {
    const game = await createGame(db);
    const ids = {
      oldConsumed: await planned.insert(action(game, { status: 'consumed' })),
      oldExpired: await planned.insert(action(game, { status: 'expired' })),
      oldReady: await planned.insert(action(game)),
      oldFailed: await planned.insert(action(game, { status: 'failed', error: 'x' })),
      newConsumed: await planned.insert(action(game, { status: 'consumed' })),
    };
    await db.orm
      .update(plannedStakeholderActions)
      .set({ createdAt: new Date(Date.now() - 25 * 3_600_000) })
      .where(inArray(plannedStakeholderActions.id, [ids.oldConsumed, ids.oldExpired, ids.oldReady, ids.oldFailed]));

    expect(await planned.cleanup()).toBe(2);

    expect(await statusOf(ids.oldConsumed)).toBeUndefined();
    expect(await statusOf(ids.oldExpired)).toBeUndefined();
    expect(await statusOf(ids.oldReady)).toBe('ready');
    expect(await statusOf(ids.oldFailed)).toBe('failed');
    expect(await statusOf(ids.newConsumed)).toBe('consumed');
    expect(await planned.cleanup(0)).toBe(1);
  });

  it('applies a canon event once and replays the first result for the same request id', async () => {
    const game = await createGame(db);
    const ledger = new CanonLedger(db);
    const requestId = randomUUID();

    const first = await ledger.apply(game.gameId, requestId, { conflictId: game.conflictId, record: 'The Long Quarrel' });
    const replay = await ledger.apply(game.gameId, requestId, { conflictId: game.conflictId, record: 'A different text' });
    const another = await ledger.apply(game.gameId, randomUUID(), { record: 'Another' });

    expect(first).toMatchObject({ applied: true, replayed: false, payload: { record: 'The Long Quarrel' } });
    expect(replay).toEqual({ ...first, applied: false, replayed: true });
    expect(another.eventId).not.toBe(first.eventId);
    await expect(ledger.apply(game.gameId, 'dialogue:1:0', {})).rejects.toThrow();
  });

  it('claims 10 among 1,000 ready actions quickly', async () => {
    const game = await createGame(db);
    await db.orm.insert(plannedStakeholderActions).values(
      Array.from({ length: 1_000 }, (_, i) => ({
        gameId: game.gameId,
        stakeholderId: game.stakeholderIds[i % 3]!,
        sceneHash: `scene-${i % 4}`,
        kind: 'action' as const,
        payload: observing('x'.repeat(200)),
        priority: i % 10,
      })),
    );
    await planned.peekReady({ gameId: game.gameId });

    const started = performance.now();
    const claimed = await planned.claimReady({ gameId: game.gameId, limit: 10 });
    const elapsed = performance.now() - started;

    expect(claimed).toHaveLength(10);
    expect(claimed.every((a) => a.priority === 9)).toBe(true);
    expect(elapsed).toBeLessThan(200);
  });

  it('ContentFeed settles what is still generating from before a time (each game named once) and lists it, oldest first', async () => {
    const feed = new ContentFeed(db);
    const [first, second] = [await createGame(db, 1), await createGame(db, 1)];
    const cut = minutesAgo(30);
    const at = (minutesBefore: number) => new Date(cut.getTime() - minutesBefore * 60_000);
    const task = { name: 'flow.describe_beat', payload: { gameId: first.gameId, stateVersion: 1, conflictId: first.conflictId } };
    const open = (game: GameFixture, createdAt: Date, extra: { status?: 'failed'; task?: typeof task } = {}) =>
      openFeedItem(db, game.gameId, { kind: 'beat', fallbackText: `f ${createdAt.toISOString()}`, stateVersion: 1, createdAt, ...extra });
    const oldest = await open(first, at(20), { task });
    const older = await open(second, at(10));
    const alsoFirst = await open(first, at(5));
    const shedBefore = await open(first, at(15), { status: 'failed', task });
    const afterCut = await open(second, minutesAgo(1));

    expect(await feed.generatingSince(cut, 10)).toEqual([
      { id: oldest.id, gameId: first.gameId, task },
      { id: older.id, gameId: second.gameId, task: null },
      { id: alsoFirst.id, gameId: first.gameId, task: null },
    ]);
    expect((await feed.generatingSince(cut, 2)).map((item) => item.id)).toEqual([oldest.id, older.id]);

    expect((await feed.failAbandoned(cut)).sort()).toEqual([first.gameId, second.gameId].sort());
    const settled = await feed.find(oldest.id);
    expect(settled).toMatchObject({ status: 'failed', origin: 'fallback', text: `f ${at(20).toISOString()}` });
    const taskOf = async (id: string) =>
      (await db.orm.select({ task: contentItems.task }).from(contentItems).where(eq(contentItems.id, id)))[0]!.task;
    expect(await taskOf(oldest.id), 'a settled item keeps no job to be sent again').toBeNull();
    // What was not generating, or is newer than the cut, is left as it was.
    expect(await feed.find(afterCut.id)).toMatchObject({ status: 'generating' });
    expect(await taskOf(shedBefore.id)).toEqual(task);
    expect(await feed.generatingSince(cut, 10)).toEqual([]);
    expect(await feed.failAbandoned(cut)).toEqual([]);
  });

  // Last: it closes the database the other tests share.
  it('answers ping until closed, then reports false instead of throwing', async () => {
    expect(await db.ping()).toBe(true);
    await db.close();
    expect(await db.ping()).toBe(false);
  });
}

/** A valid planned decision: the stored move a claim hands back. */
function observing(description: string): PlannedDecision {
  return { action_type: 'observant', description, success_probability: 0.5, text: description };
}

describe('openDatabase', () => {
  it('names the options when given none', async () => {
    await expect(openDatabase({})).rejects.toThrow(/url.*dataDir.*inMemory/);
  });
});

describe('database on PGlite (in memory)', () => {
  databaseContract(async () => {
    const db = await openDatabase({ inMemory: true });
    return { db, openPeer: async () => db, close: () => db.close() };
  });
});

describeWithServices('database on PostgreSQL', ['postgres'], () => {
  describe('contract', () => {
    databaseContract(async () => {
      const database = await createTestDatabase();
      const db = await openDatabase({ url: database.url });
      return {
        db,
        openPeer: () => openDatabase({ url: database.url }),
        close: async () => {
          await db.close();
          await database.drop();
        },
      };
    });
  });

  it('lets two processes migrate the same fresh database at once', async () => {
    const database = await createTestDatabase();
    const [first, second] = await Promise.all([openDatabase({ url: database.url }), openDatabase({ url: database.url })]);
    try {
      await Promise.all([first.migrate(), second.migrate()]);
      const { rows } = await first.query<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
      expect(rows[0]!.n).toBe(journalEntries);
    } finally {
      await first.close();
      await second.close();
      await database.drop();
    }
  });
});

describe('statementCounter', () => {
  const countOf = async (labels: Record<string, string>) =>
    (await metrics.dbStatements.get()).values
      .filter((v) => Object.entries(labels).every(([name, value]) => v.labels[name as keyof typeof v.labels] === value))
      .reduce((sum, v) => sum + v.value, 0);

  it('counts a statement by its first word, lower-cased, and by the request it ran in', async () => {
    const hot = { path: 'hot', operation: 'test.counted', statement: 'select' };
    const slow = { path: 'slow', operation: 'background', statement: 'with' };
    const other = { path: 'slow', operation: 'background', statement: 'other' };
    const before = [await countOf(hot), await countOf(slow), await countOf(other)];
    await hotPath('test.counted', async () => statementCounter.logQuery('  SELECT 1', []));
    statementCounter.logQuery('with bump as (update games set version = version + 1) select 1', []);
    statementCounter.logQuery('(select 1)', []);
    expect([await countOf(hot), await countOf(slow), await countOf(other)]).toEqual(before.map((n) => n + 1));
  });

  it("counts a job's statements under its task, on the slow path even when a request handed the job off", async () => {
    const job = { path: 'slow', operation: 'test.some_task', statement: 'update' };
    const request = { path: 'hot', operation: 'test.handing_off', statement: 'update' };
    const before = [await countOf(job), await countOf(request)];
    await hotPath('test.handing_off', () =>
      asSlowPathWork('test.some_task', async () => {
        await Promise.resolve();
        statementCounter.logQuery('update games set version = version + 1', []);
      }),
    );
    expect([await countOf(job), await countOf(request)]).toEqual([before[0]! + 1, before[1]]);
  });
});
