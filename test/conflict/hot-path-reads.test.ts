import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Nyx } from '../../src/app/nyx.js';
import { cacheKeys } from '../../src/conflict/domain/cache-contract.js';
import type { GameEngine } from '../../src/conflict/engine/game-engine.js';
import type { GameHeads } from '../../src/conflict/engine/game-heads.js';
import type { GameState, StateSync } from '../../src/conflict/engine/game-state.js';
import { metrics } from '../../src/observability/metrics.js';
import { isLockBusy } from '../../src/runtime/locks/locks.js';
import { openFeedItem } from '../support/feed.js';
import { secondWebProcess, startTestNyx, type Backend } from '../support/nyx-harness.js';
import { describeWithServices } from '../support/services.js';

/** Hot-path statements counted so far, by the outermost operation they ran in. */
async function hotStatements(operation: string): Promise<{ total: number; writes: number }> {
  const { values } = await metrics.dbStatements.get();
  const mine = values.filter((v) => v.labels.path === 'hot' && v.labels.operation === operation);
  return {
    total: mine.reduce((sum, v) => sum + v.value, 0),
    writes: mine.filter((v) => v.labels.statement !== 'select').reduce((sum, v) => sum + v.value, 0),
  };
}

async function counted<T>(operation: string, work: () => Promise<T>): Promise<{ value: T; total: number; writes: number }> {
  const before = await hotStatements(operation);
  const value = await work();
  const after = await hotStatements(operation);
  return { value, total: after.total - before.total, writes: after.writes - before.writes };
}

/** Statements the slow path ran meanwhile (in this process: the test's own and any job's). */
async function countedSlow<T>(work: () => Promise<T>): Promise<{ value: T; total: number }> {
  const slow = async () =>
    (await metrics.dbStatements.get()).values.filter((v) => v.labels.path === 'slow').reduce((sum, v) => sum + v.value, 0);
  const before = await slow();
  const value = await work();
  return { value, total: (await slow()) - before };
}

const body = (synced: StateSync): GameState => {
  if ('notModified' in synced) throw new Error('expected a body, got 304');
  return JSON.parse(synced.body) as GameState;
};

/**
 * The hot path reads no database when nothing changed: the game's head (its versions) lives in the
 * cache, written through by every writer on every process, and each version's state is built once.
 * `nyx_db_statements_total` is what these tests count.
 */
function hotPathReads(backend: Backend) {
  let nyx: Nyx;
  let stop: () => Promise<void>;
  /** A second web process over the same database and cache: its own lanes, heads and views. */
  let other: GameEngine;
  let otherHeads: GameHeads;

  beforeAll(async () => {
    // No job lands while a test runs: every version change below is one the test made.
    ({ nyx, stop } = await startTestNyx(backend, { LLM_SIM_LATENCY_MS: '120000' }));
    ({ engine: other, heads: otherHeads } = await secondWebProcess(nyx));
  });
  afterAll(async () => stop?.());

  it('a state sync of an unchanged game runs no database statement', async () => {
    const { gameId } = await nyx.engine.createGame({ scenario: 'village-well', seed: 31 });
    let unchanged = 0;
    let version = (await nyx.engine.getState(gameId)).version;
    // A sync may itself move the game on (a ready move claimed, gossip asked for): only one that did not counts.
    for (let i = 0; i < 8; i++) {
      const { value: state, total } = await counted('game.state_sync', () => nyx.engine.getState(gameId));
      if (state.version === version) {
        expect(total, `statements of sync ${i} of an unchanged game`).toBe(0);
        unchanged++;
      }
      version = state.version;
    }
    expect(unchanged).toBeGreaterThan(0);
  });

  it('syncs of a game whose scene is still being written do not keep moving it on', async () => {
    const { gameId } = await nyx.engine.createGame({ scenario: 'village-well', seed: 38 });
    const first = (await nyx.engine.getState(gameId)).version;
    let last = first;
    for (let i = 0; i < 30; i++) last = (await nyx.engine.getState(gameId)).version;
    // Scene gossip is asked for at most once per scene and lock TTL, not on 30 % of syncs.
    expect(last - first).toBeLessThanOrEqual(2);
  });

  it('an unchanged game answers not-modified to its tag, and a body once it moved on', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 32 });
    const first = await nyx.engine.syncState(gameId);
    const current = body(first);
    const again = await nyx.engine.syncState(gameId, first.tag);
    if (current.version === (await nyx.engine.getState(gameId)).version) expect(again).toEqual({ tag: first.tag, notModified: true });
    const choice = current.choices[0]!;
    await nyx.engine.makeChoice(gameId, choice.id);
    const moved = await nyx.engine.syncState(gameId, first.tag);
    expect(body(moved).version).toBeGreaterThan(state.version);
    expect(moved.tag).not.toBe(first.tag);
  });

  it('a sync sees a slow-path write made on another process, at once', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 33 });
    const choice = state.choices.find((c) => c.targetNpcId !== undefined)!;
    const { state: afterChoice } = await nyx.engine.makeChoice(gameId, choice.id);
    const opened = afterChoice.content.find((c) => c.status === 'generating')!;
    const seen = await nyx.engine.syncState(gameId);

    // What a worker elsewhere does with a result: fill the item and move the version on (one statement).
    const { value: settled, total } = await countedSlow(() =>
      otherHeads.settleContents(gameId, [
        { id: opened.id, change: { status: 'ready', text: 'The miller sets down his sack and laughs.' } },
      ]),
    );
    expect(total).toBe(1);
    const version = settled!.version;

    const { value: answer, total: reads, writes } = await counted('game.state_sync', () => nyx.engine.syncState(gameId, seen.tag));
    // The result's feed was written through with it: the new version is read with no statement.
    expect(reads - writes).toBe(0);
    const synced = body(answer);
    expect(synced.version).toBeGreaterThanOrEqual(version);
    expect(synced.content.find((c) => c.id === opened.id)).toMatchObject({
      status: 'ready',
      text: 'The miller sets down his sack and laughs.',
    });
    // And the other way round: a choice saved by this process is what the other one shows next.
    const { state: chosen } = await nyx.engine.makeChoice(gameId, synced.choices[0]!.id);
    expect((await other.getState(gameId)).version).toBeGreaterThanOrEqual(chosen.version);
  });

  it("a turn's items land in one statement that moves the version on once; an item settled already is left out", async () => {
    const { gameId } = await nyx.engine.createGame({ scenario: 'village-well', seed: 36 });
    const opened = async () =>
      (await openFeedItem(nyx.db, gameId, { kind: 'reaction', fallbackText: 'f', stateVersion: 1, task: { name: 't', payload: {} } })).id;
    const [first, second, done, failing, shed] = [await opened(), await opened(), await opened(), await opened(), await opened()];
    await otherHeads.settleContents(gameId, [{ id: done, change: { status: 'ready', text: 'Written before.' } }]);
    // The items were inserted behind the cache's back: a version of their own, read from the database once.
    const before = await otherHeads.bumpVersion(gameId);
    const seen = await nyx.engine.syncState(gameId);

    const { value: settled, total } = await countedSlow(() =>
      otherHeads.settleContents(gameId, [
        { id: second, change: { status: 'ready', text: 'Two.' } },
        { id: done, change: { status: 'ready', text: 'Again.' } },
        { id: first, change: { status: 'ready', text: 'One.' } },
      ]),
    );
    expect(total).toBe(1);
    // One statement moves the version on (a job of this game may have moved it meanwhile too).
    expect(settled!.version).toBeGreaterThan(before);
    expect((await nyx.store.findGame(gameId))!.version).toBeGreaterThanOrEqual(settled!.version);
    // In the order asked, each as the feed shows it.
    expect(settled!.items.map((item) => [item.id, item.text, item.stateVersion, item.status])).toEqual([
      [second, 'Two.', 1, 'ready'],
      [first, 'One.', 1, 'ready'],
    ]);
    expect(await nyx.feed.find(done)).toMatchObject({ status: 'ready', text: 'Written before.' });
    // The new version's feed was written through: a sync reads it with no statement.
    const { value: answer, total: reads, writes } = await counted('game.state_sync', () => nyx.engine.syncState(gameId, seen.tag));
    expect(reads - writes).toBe(0);
    expect(
      body(answer)
        .content.filter((c) => c.id === first || c.id === second)
        .map((c) => c.text),
    ).toEqual(['Two.', 'One.']);

    // Left on its fallback: a failed item gives up its task, a shed one keeps it for recovery.
    await otherHeads.settleContents(gameId, [
      { id: failing, change: { status: 'failed' } },
      { id: shed, change: { status: 'shed' } },
    ]);
    const { rows: tasks } = await nyx.db.query<{ id: string; task: unknown }>(
      sql`select id, task from content_items where id in (${failing}, ${shed}) order by id = ${shed}`,
    );
    expect(tasks).toEqual([
      { id: failing, task: null },
      { id: shed, task: { name: 't', payload: {} } },
    ]);
    expect(await nyx.feed.find(failing)).toMatchObject({ status: 'failed', origin: 'fallback', text: 'f' });
    expect(await otherHeads.settleContents(gameId, [{ id: failing, change: { status: 'ready', text: 'Late.' } }])).toBeUndefined();
  });

  it("a job's own writes land in the statement that moves the version on, or alone when it moves nothing", async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 37 });
    const stakeholderId = state.conflicts[0]!.stakeholders[0]!.id;
    const move = (sourceKey: string) =>
      nyx.planned.insertAllStatement([
        { gameId, stakeholderId, kind: 'role_adaptation', payload: { new_role: 'bystander', reason: 'r' }, sourceKey },
      ]);
    const keys = async () =>
      (
        await nyx.db.query<{ source_key: string }>(
          sql`select source_key from planned_stakeholder_actions where game_id = ${gameId} order by source_key`,
        )
      ).rows.map((row) => row.source_key);
    const before = (await nyx.store.findGame(gameId))!.version;

    const { value: version, total } = await countedSlow(() => otherHeads.bumpVersion(gameId, { writes: [move('a'), move('b')] }));
    expect(total).toBe(1);
    expect(version).toBe(before + 1);
    expect(await keys()).toEqual(['a', 'b']);

    const { total: alone } = await countedSlow(() => nyx.store.runWrites([move('c'), move('a')]));
    expect(alone).toBe(1);
    // Each once, whatever lands it again; and no version move.
    expect(await keys()).toEqual(['a', 'b', 'c']);
    expect((await nyx.store.findGame(gameId))!.version).toBe(version);
  });

  it('a choice is one statement: its rows are written at once, and the feed it answers with is written through', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 34 });
    await nyx.engine.getState(gameId);
    const choice = state.choices.find((c) => c.targetNpcId !== undefined)!;
    const lists = vi.spyOn(nyx.cache, 'getList');
    const { value, total, writes } = await counted('game.player_choice', () => nyx.engine.makeChoice(gameId, choice.id));
    // Nothing is written ahead unless ANTICIPATE_REACTIONS asks for it: a choice does not look for it either.
    expect(lists.mock.calls.filter(([key]) => key.includes('reactions_ahead'))).toEqual([]);
    lists.mockRestore();
    expect(value.outcome.reactionsDispatched).toBeGreaterThan(0);
    expect(writes).toBe(1);
    expect(total).toBe(1);
    // The feed built from the request's own rows is the one the database holds.
    const stored = await nyx.feed.recent(gameId);
    const shown = (items: GameState['content']) => items.map(({ id, status, text }) => ({ id, status, text }));
    expect(shown(value.state.content)).toEqual(shown(stored));
  });

  it('a request that waited in its game’s lane has its statements counted as its own', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 39 });
    const choice = state.choices.find((c) => c.targetNpcId !== undefined)!;
    const { value, writes } = await counted('game.player_choice', async () => {
      // The choice queues behind the sync, and runs when the sync's turn ends.
      const [, made] = await Promise.all([nyx.engine.getState(gameId), nyx.engine.makeChoice(gameId, choice.id)]);
      return made;
    });
    expect(value.outcome.choiceId).toBe(choice.id);
    expect(writes).toBe(1);
  });

  it('a conflict creation writes all its rows in one statement, its ids taken from those the process reserved', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 37 });
    await nyx.engine.getState(gameId);
    const [first, second, third] = state.scene.npcs;
    const open = (npcIds: number[]) => counted('game.create_conflict', () => nyx.engine.createConflict(gameId, { type: 'feud', npcIds }));
    // The first creation may reserve a block of ids from each sequence (two statements); the next takes from the blocks.
    const opening = await open([first!.id, second!.id]);
    expect(opening.total).toBeLessThanOrEqual(3);
    const { value, total, writes } = await open([second!.id, third!.id]);
    expect(value.conflict.stakeholders).toHaveLength(2);
    expect(value.conflict.id).not.toBe(opening.value.conflict.id);
    expect(writes).toBe(1);
    expect(total).toBe(1);
  });

  it('a write on a process whose cached head is behind reads the row again and lands', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 35 });
    // The other process saves, then its head write is lost (as if it died between commit and cache write).
    const { state: saved } = await other.makeChoice(gameId, state.choices[0]!.id);
    await nyx.cache.setJson(cacheKeys.head(gameId), { ...(await nyx.store.findGame(gameId))!, version: state.version, entitiesVersion: 1 });
    const { state: after } = await nyx.engine.makeChoice(gameId, saved.choices[0]!.id);
    expect(after.version).toBeGreaterThan(saved.version);
  });

  it('after the cache is flushed the head is rebuilt from the database once, under a lock', async () => {
    const { gameId } = await nyx.engine.createGame({ scenario: 'village-well', seed: 36 });
    await nyx.engine.getState(gameId);
    await nyx.cache.deleteKeys(`game:${gameId}:*`);
    const reads = vi.spyOn(nyx.store, 'findGame');
    const rebuilds = vi.spyOn(nyx.heads, 'refresh');
    try {
      const states = await Promise.all(Array.from({ length: 20 }, () => nyx.engine.getState(gameId)));
      expect(new Set(states.map((s) => s.gameId))).toEqual(new Set([gameId]));
      expect(reads).toHaveBeenCalledTimes(1);
      expect(rebuilds).toHaveBeenCalledTimes(1);
      expect(await nyx.cache.getJson(cacheKeys.head(gameId))).toMatchObject({ id: gameId });

      // While another process holds the rebuild lock, this one reads the row for itself and leaves the rebuild to the holder.
      await nyx.cache.deleteKeys(`game:${gameId}:*`);
      const held = await nyx.locks.tryLock(cacheKeys.headLock(gameId), 10_000);
      if (isLockBusy(held)) throw new Error('the rebuild lock should be free');
      await nyx.engine.getState(gameId);
      expect(reads).toHaveBeenCalledTimes(2);
      expect(rebuilds).toHaveBeenCalledTimes(1);
      await held.release();
      await nyx.cache.deleteKeys(`game:${gameId}:*`);
      await nyx.engine.getState(gameId);
      expect(rebuilds).toHaveBeenCalledTimes(2);
      expect(await nyx.cache.getJson(cacheKeys.head(gameId))).toMatchObject({ id: gameId });
    } finally {
      reads.mockRestore();
      rebuilds.mockRestore();
    }
  });
}

describe('hot-path reads on the embedded backend', () => hotPathReads('embedded'));
describeWithServices('hot-path reads on the distributed backend', ['redis', 'postgres'], () => hotPathReads('distributed'));
