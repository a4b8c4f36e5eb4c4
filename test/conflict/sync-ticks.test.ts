import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Nyx } from '../../src/app/nyx.js';
import { cacheKeys } from '../../src/conflict/domain/cache-contract.js';
import type { GameHeads } from '../../src/conflict/engine/game-heads.js';
import type { GameState, StateSync } from '../../src/conflict/engine/game-state.js';
import { SyncTicks } from '../../src/conflict/engine/sync-ticks.js';
import { defineSubsystem } from '../../src/conflict/subsystem.js';
import { conflictSubsystems } from '../../src/conflict/subsystems.js';
import { metrics } from '../../src/observability/metrics.js';
import { secondWebProcess, startTestNyx, type Backend } from '../support/nyx-harness.js';
import { describeWithServices } from '../support/services.js';

describe('SyncTicks', () => {
  const clock = () => {
    let now = 1_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };
  const counter = (value: number) => {
    const reads: number[] = [];
    return { reads, read: async () => (reads.push(value), value) };
  };

  it('rests a game for the interval after a tick, while the planned-actions counter stays where the tick left it', async () => {
    const time = clock();
    const ticks = new SyncTicks(1_000, time.now);
    ticks.ticked('g', 4);
    expect(await ticks.rested('g', counter(4).read)).toBe(true);
    time.advance(999);
    expect(await ticks.rested('g', counter(4).read)).toBe(true);
    time.advance(1);
    expect(await ticks.rested('g', counter(4).read)).toBe(false);
  });

  it('does not rest a game a planned move came to since its tick, nor one it never saw tick', async () => {
    const ticks = new SyncTicks(1_000, clock().now);
    ticks.ticked('g', 4);
    expect(await ticks.rested('g', counter(5).read)).toBe(false);
    expect(await ticks.rested('other', counter(4).read)).toBe(false);
  });

  it('reads the counter only for a game that ticked within the interval', async () => {
    const time = clock();
    const ticks = new SyncTicks(1_000, time.now);
    const never = counter(0);
    expect(await ticks.rested('g', never.read)).toBe(false);
    ticks.ticked('g', 0);
    time.advance(1_000);
    expect(await ticks.rested('g', never.read)).toBe(false);
    expect(never.reads).toEqual([]);
  });

  it('with an interval of 0 never rests a game: every sync ticks', async () => {
    const ticks = new SyncTicks(0, clock().now);
    ticks.ticked('g', 0);
    expect(await ticks.rested('g', counter(0).read)).toBe(false);
  });

  it('a later tick starts the interval again', async () => {
    const time = clock();
    const ticks = new SyncTicks(1_000, time.now);
    ticks.ticked('g', 1);
    time.advance(900);
    ticks.ticked('g', 2);
    time.advance(900);
    expect(await ticks.rested('g', counter(2).read)).toBe(true);
    expect(await ticks.rested('g', counter(1).read)).toBe(false);
  });
});

const body = (synced: StateSync): GameState => {
  if ('notModified' in synced) throw new Error('expected a body, got 304');
  return JSON.parse(synced.body) as GameState;
};

/** Hot-path statements and cache reads counted so far. */
async function reads(): Promise<{ statements: number; cacheReads: number }> {
  const statements = (await metrics.dbStatements.get()).values.filter((v) => v.labels.path === 'hot');
  const cacheReads = (await metrics.cacheRequests.get()).values;
  return { statements: statements.reduce((sum, v) => sum + v.value, 0), cacheReads: cacheReads.reduce((sum, v) => sum + v.value, 0) };
}

/**
 * A state sync ticks a game (its state_sync handlers) at most once per SYNC_TICK_MS; a sync in
 * between that sends the current tag is a 304 from the cache, and anything another writer did in
 * the meantime still shows at once.
 */
function syncTicks(backend: Backend) {
  let nyx: Nyx;
  let stop: () => Promise<void>;
  let otherHeads: GameHeads;
  /** How many times the state_sync handlers ran, per game. */
  const ticked = new Map<string, number>();
  const tickCounter = defineSubsystem({
    name: 'tick-counter',
    handlers: {
      state_sync: async (event) => {
        ticked.set(event.gameId, (ticked.get(event.gameId) ?? 0) + 1);
      },
    },
    tasks: [],
    slowPath: async () => [],
  });

  beforeAll(async () => {
    // No job lands while a test runs, and no tick interval runs out within one. Without the social
    // subsystem: a tick opens scene gossip by chance (30 % while the scene is being written), and a
    // game that moved on by chance is no test of what a tick does.
    ({ nyx, stop } = await startTestNyx(
      backend,
      { LLM_SIM_LATENCY_MS: '120000', SYNC_TICK_MS: '60000' },
      { subsystems: [...conflictSubsystems.filter((subsystem) => subsystem.name !== 'social'), tickCounter] },
    ));
    ({ heads: otherHeads } = await secondWebProcess(nyx));
  });
  afterAll(async () => stop?.());

  /** A game synced until a sync leaves it where it was (the first syncs may ask for work that opens items). */
  async function settledGame(seed: number): Promise<{ gameId: string; tag: string }> {
    const { gameId } = await nyx.engine.createGame({ scenario: 'village-well', seed });
    let synced = await nyx.engine.syncState(gameId);
    for (let i = 0; i < 10; i++) {
      const again = await nyx.engine.syncState(gameId);
      if (again.tag === synced.tag) return { gameId, tag: again.tag };
      synced = again;
    }
    throw new Error('the game kept moving on');
  }

  it('a sync inside the interval that sends the current tag runs no handler, no statement, and one cache read', async () => {
    const { gameId, tag } = await settledGame(61);
    const before = ticked.get(gameId)!;
    const counted = await reads();
    for (let i = 0; i < 5; i++) expect(await nyx.engine.syncState(gameId, tag)).toEqual({ tag, notModified: true });
    const after = await reads();
    expect(ticked.get(gameId)).toBe(before);
    expect(after.statements - counted.statements).toBe(0);
    // The game's head, once per sync (the planned-actions counter is a version, not a read of a value).
    expect(after.cacheReads - counted.cacheReads).toBe(5);
  });

  it('a sync without a tag, or with an old one, ticks as before', async () => {
    const { gameId, tag } = await settledGame(62);
    const before = ticked.get(gameId)!;
    body(await nyx.engine.syncState(gameId));
    body(await nyx.engine.syncState(gameId, 'W/"0"'));
    expect(ticked.get(gameId)).toBe(before + 2);
    expect(await nyx.engine.syncState(gameId, tag)).toEqual({ tag, notModified: true });
  });

  it('a write by another process shows at once: the head moved, so the sync ticks and answers the new version', async () => {
    const { gameId, tag } = await settledGame(63);
    const before = ticked.get(gameId)!;
    const version = await otherHeads.bumpVersion(gameId);
    const synced = await nyx.engine.syncState(gameId, tag);
    expect(body(synced).version).toBeGreaterThanOrEqual(version);
    expect(ticked.get(gameId)).toBe(before + 1);
  });

  it("the rules' dice are fresh each tick: a roll that failed is rolled again, though the game's version did not move", async () => {
    // Every roll fails while the game settles: nobody acts, so every stakeholder is rested and idle.
    const failing = vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const { gameId } = await settledGame(65).finally(() => failing.mockRestore());
    const asked = async () =>
      (await metrics.queueDispatches.get()).values
        .filter((v) => v.labels.task === 'stakeholders.generate_action')
        .reduce((sum, v) => sum + v.value, 0);
    const before = await asked();
    // Every roll now succeeds: a stakeholder who stayed idle at this version decides to act.
    const dice = vi.spyOn(Math, 'random').mockReturnValue(0);
    try {
      // Without a tag a sync ticks, whatever the interval.
      body(await nyx.engine.syncState(gameId));
    } finally {
      dice.mockRestore();
    }
    expect(await asked()).toBeGreaterThan(before);
  });

  it('a planned move written since the tick is claimed by the next sync, inside the interval', async () => {
    const { gameId, tag } = await settledGame(64);
    const before = ticked.get(gameId)!;
    // What the slow path does after writing a ready move: bump the game's planned-actions counter.
    await nyx.cache.bump(cacheKeys.plannedActionsLabel(gameId));
    await nyx.engine.syncState(gameId, tag);
    expect(ticked.get(gameId)).toBe(before + 1);
    // Claimed up to the new counter: the game rests again.
    const current = await nyx.engine.syncState(gameId);
    expect(await nyx.engine.syncState(gameId, current.tag)).toEqual({ tag: current.tag, notModified: true });
    expect(ticked.get(gameId)).toBe(before + 2);
  });
}

describe('state-sync ticks on the embedded backend', () => syncTicks('embedded'));
describeWithServices('state-sync ticks on the distributed backend', ['redis', 'postgres'], () => syncTicks('distributed'));
