import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Nyx } from '../../src/app/nyx.js';
import type { GameEngine } from '../../src/conflict/engine/game-engine.js';
import { GameError } from '../../src/conflict/engine/game-errors.js';
import type { GameState } from '../../src/conflict/engine/game-state.js';
import { conflictSubsystems } from '../../src/conflict/subsystems.js';
import { TaskCatalog } from '../../src/conflict/tasks/task-catalog.js';
import { contentRow } from '../../src/conflict/engine/content-feed.js';
import { MaintenanceSweep } from '../../src/conflict/maintenance.js';
import { contentItems, phaseTransitions, stakeholders } from '../../src/conflict/store/schema/index.js';
import type { QueueEvents } from '../../src/runtime/queue/task-queue.js';
import { openFeedItem } from '../support/feed.js';
import { eventually, secondWebProcess, startTestNyx, type Backend } from '../support/nyx-harness.js';
import { describeWithServices } from '../support/services.js';

/**
 * What a player was told happened, happened once, on any placement: two engines over one database
 * and cache stand for two web processes (each with its own per-game lane and caches), and the
 * workers run in the background as in production.
 */
function integrity(backend: Backend) {
  let nyx: Nyx;
  let stop: () => Promise<void>;
  let other: GameEngine;
  const finalFailures: Array<QueueEvents['failed']> = [];

  beforeAll(async () => {
    // One attempt per job: a retry must not hide a job that ran before the write it needed.
    ({ nyx, stop } = await startTestNyx(backend, { TASK_ATTEMPTS: '1' }));
    ({ engine: other } = await secondWebProcess(nyx));
    nyx.queue.on('failed', (event) => {
      if (event.final) finalFailures.push(event);
    });
  });
  afterAll(async () => stop?.());

  const conflictIds = (state: GameState) => state.conflicts.map((c) => c.id);

  it('a conflict acknowledged on one process is in the state of every process, however their writes interleave', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 21 });
    const [a, b, c] = state.scene.npcs;
    const acknowledged: number[] = [];
    for (let round = 0; round < 6; round++) {
      const current = await other.getState(gameId);
      const choice = current.choices[round % current.choices.length]!;
      const [created] = await Promise.allSettled([
        nyx.engine.createConflict(gameId, { type: 'feud', npcIds: round % 2 ? [a!.id, b!.id] : [b!.id, c!.id] }),
        other.makeChoice(gameId, choice.id),
        other.getState(gameId),
        other.makeChoice(gameId, choice.id),
      ]);
      expect(created.status).toBe('fulfilled');
      if (created.status === 'fulfilled') acknowledged.push(created.value.conflict.id);
    }
    for (const engine of [nyx.engine, other])
      expect(conflictIds(await engine.getState(gameId))).toEqual(expect.arrayContaining(acknowledged));
  });

  it('two processes resolving one conflict: one answers, the other is told it is already resolved, and it is resolved once', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 22 });
    const conflictId = state.conflicts[0]!.id;
    const outcomes = await Promise.allSettled([
      nyx.engine.resolveConflict(gameId, conflictId, { outcome: 'shared' }),
      other.resolveConflict(gameId, conflictId, { outcome: 'split' }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(GameError);
    expect((refused.reason as GameError).code).toBe('stale');
    const toResolution = await nyx.db.orm
      .select()
      .from(phaseTransitions)
      .where(and(eq(phaseTransitions.conflictId, conflictId), eq(phaseTransitions.toPhase, 'resolution')));
    expect(toResolution).toHaveLength(1);
  });

  it('a request that loses the compare-and-set writes nothing at all', async () => {
    const { gameId } = await nyx.engine.createGame({ scenario: 'village-well', seed: 23 });
    const game = (await nyx.store.findGame(gameId))!;
    const winner = await nyx.store.loadEntities({ ...game });
    const loser = await nyx.store.loadEntities({ ...game });
    const conflictId = [...winner.conflicts.keys()][0]!;
    for (const snapshot of [winner, loser]) {
      snapshot.recordTransition(conflictId, { fromPhase: 'seeds', toPhase: 'emerging', transitionType: 'natural', trigger: 'test' });
      snapshot.addContent(
        contentRow(gameId, { kind: 'beat', stateVersion: 0 }, { status: 'ready', origin: 'generated', text: 't', fallbackText: 't' }),
      );
    }
    const loserItem = loser.pendingWrites().content[0]!.id;
    expect(await nyx.store.saveSnapshot(winner)).toMatchObject({ status: 'saved' });
    expect(await nyx.store.saveSnapshot(loser)).toEqual({ status: 'stale' });
    expect(await nyx.db.orm.select().from(contentItems).where(eq(contentItems.id, loserItem))).toEqual([]);
    const transitions = await nyx.db.orm
      .select()
      .from(phaseTransitions)
      .where(and(eq(phaseTransitions.conflictId, conflictId), eq(phaseTransitions.trigger, 'test')));
    expect(transitions).toHaveLength(1);
  });

  it('a conflict created through the API gets its opening narration and its stakeholders\u2019 profiles: no job runs before the write it needs', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 24 });
    const before = finalFailures.length;
    const [a, b] = state.scene.npcs;
    const { conflict } = await other.createConflict(gameId, { type: 'feud', npcIds: [a!.id, b!.id] });
    const narrated = await eventually(
      () => nyx.engine.getState(gameId),
      (s) => s.content.some((c) => c.kind === 'narration' && c.subject.conflictId === conflict.id && c.status !== 'generating'),
    );
    expect(narrated.content.find((c) => c.kind === 'narration' && c.subject.conflictId === conflict.id)).toMatchObject({
      status: 'ready',
      origin: 'generated',
    });
    // The player keeps syncing, as the web UI does: a profile shed under load is asked for again.
    const profiles = await eventually(
      async () => {
        await nyx.engine.getState(gameId);
        return nyx.db.orm.select().from(stakeholders).where(eq(stakeholders.conflictId, conflict.id));
      },
      (rows) => rows.length === 2 && rows.every((row) => row.profile !== null),
    );
    expect(profiles.every((row) => row.profile !== null)).toBe(true);
    expect(finalFailures.slice(before).map((f) => `${f.taskName}: ${f.error}`)).toEqual([]);
  });

  it('a feed item whose job was lost is dispatched again on the next state sync, and written', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 25 });
    const conflictId = state.conflicts[0]!.id;
    const lost = await openFeedItem(nyx.db, gameId, {
      kind: 'narration',
      fallbackText: 'The quarrel stirs.',
      stateVersion: state.version,
      createdAt: new Date(Date.now() - 120_000),
      task: {
        name: 'flow.narrate_phase_transition',
        payload: { gameId, stateVersion: state.version, contentId: 'pending', conflictId, fromPhase: 'seeds', toPhase: 'emerging' },
      },
    });
    await nyx.db.orm
      .update(contentItems)
      .set({
        task: {
          name: 'flow.narrate_phase_transition',
          payload: { gameId, stateVersion: state.version, contentId: lost.id, conflictId, fromPhase: 'seeds', toPhase: 'emerging' },
        },
      })
      .where(eq(contentItems.id, lost.id));
    await nyx.heads.bumpVersion(gameId);
    const written = await eventually(
      () => nyx.engine.getState(gameId),
      (s) => s.content.some((c) => c.id === lost.id && c.status === 'ready'),
    );
    expect(written.content.find((c) => c.id === lost.id)).toMatchObject({ status: 'ready', origin: 'generated' });
  });

  it('the maintenance sweep asks again for lost items, settles abandoned ones and moves their game on', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 26 });
    const abandoned = await openFeedItem(nyx.db, gameId, {
      kind: 'gossip',
      fallbackText: 'Whispers.',
      stateVersion: 0,
      createdAt: new Date(Date.now() - 3_600_000),
    });
    const sweep = new MaintenanceSweep({
      feed: nyx.feed,
      planned: nyx.planned,
      heads: nyx.heads,
      hub: nyx.hub,
      dispatcher: nyx.dispatcher,
      catalog: TaskCatalog.of(conflictSubsystems),
    });
    const versionBefore = (await nyx.store.findGame(gameId))!.version;
    const report = await sweep.run();
    expect(report.abandonedGames).toBeGreaterThanOrEqual(1);
    expect(await nyx.feed.find(abandoned.id)).toMatchObject({ status: 'failed', origin: 'fallback', text: 'Whispers.' });
    expect((await nyx.store.findGame(gameId))!.version).toBeGreaterThan(versionBefore);
    expect(state.gameId).toBe(gameId);
  });
}

describe('integrity on the embedded backend', () => integrity('embedded'));
describeWithServices('integrity on the distributed backend', ['redis', 'postgres'], () => integrity('distributed'));
