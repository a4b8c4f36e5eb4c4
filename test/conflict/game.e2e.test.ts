import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GameState } from '../../src/conflict/engine/game-state.js';
import type { Nyx } from '../../src/app/nyx.js';
import { describeWithServices } from '../support/services.js';
import { eventually, startTestNyx, type Backend } from '../support/nyx-harness.js';

/**
 * A whole game through the library API on both backends: create a game, start a conflict, make a
 * choice, see the offline model's reaction arrive as `generated` content, resolve the conflict and
 * see it enter canon with NPC references — with zero model calls on the hot path
 * (DISABLE_LLM_IN_HOT_PATH=1 makes any such call throw).
 */
function playThrough(backend: Backend) {
  let nyx: Nyx;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    // A model slow enough that the answer to a choice always comes before the reaction is written.
    ({ nyx, stop } = await startTestNyx(backend, { LLM_SIM_LATENCY_MS: '300-500' }));
  });
  afterAll(async () => stop?.());

  it('plays a conflict from creation to canon', async () => {
    const { gameId, token, state: opening } = await nyx.engine.createGame({ scenario: 'village-well', seed: 11 });
    expect(await nyx.engine.authorize(gameId, token)).toBe('ok');
    expect(opening.conflicts.length).toBeGreaterThan(0);

    const [first, second] = opening.scene.npcs;
    const { conflict } = await nyx.engine.createConflict(gameId, {
      type: 'political power struggle',
      npcIds: [first!.id, second!.id],
      title: 'The Miller’s Due',
    });
    expect(conflict.stakeholders.map((s) => s.npcId).sort()).toEqual([first!.id, second!.id].sort());
    expect(conflict.phase).toBe('seeds');

    // A conflict in its first phase offers asking around about its instigator: a choice aimed at someone.
    const confront = (await nyx.engine.getState(gameId)).choices.find((c) => c.conflictId === conflict.id && c.targetNpcId !== undefined)!;
    const { outcome, state: afterChoice } = await nyx.engine.makeChoice(gameId, confront.id);
    expect(outcome.reactionsDispatched).toBeGreaterThan(0);
    const reaction = afterChoice.content.find((c) => c.kind === 'reaction' && c.subject.npcId === confront.targetNpcId)!;
    expect(reaction.status).toBe('generating');
    expect(reaction.origin).toBe('fallback');
    expect(afterChoice.version).toBeGreaterThan(opening.version);

    const landed = await eventually(
      () => nyx.engine.getState(gameId),
      (s: GameState) => s.content.some((c) => c.id === reaction.id && c.status === 'ready'),
    );
    const generated = landed.content.find((c) => c.id === reaction.id)!;
    expect(generated).toMatchObject({ status: 'ready', origin: 'generated' });
    expect(generated.text).not.toBe(reaction.fallbackText);

    await nyx.engine.resolveConflict(gameId, conflict.id, { outcome: 'The due is waived for a year', winnerNpcIds: [first!.id] });
    const canonised = await eventually(
      () => nyx.engine.getState(gameId),
      (s: GameState) =>
        s.canon.some((c) => c.conflictId === conflict.id) && s.content.some((c) => c.kind === 'reference' && c.status === 'ready'),
      30_000,
    );
    expect(canonised.conflicts.find((c) => c.id === conflict.id)!.status).toBe('resolved');
    const record = canonised.canon.find((c) => c.conflictId === conflict.id)!;
    expect(record.text.length).toBeGreaterThan(20);
    expect(canonised.content.some((c) => c.kind === 'reference' && c.origin === 'generated')).toBe(true);
  });

  it('answers bad requests with typed errors', async () => {
    await expect(nyx.engine.createGame({ scenario: 'no-such-place' })).rejects.toMatchObject({ code: 'invalid', field: 'scenario' });
    await expect(nyx.engine.createGame({ scenario: 'village-well', seed: 2 ** 40 })).rejects.toMatchObject({
      code: 'invalid',
      field: 'seed',
    });
    const { gameId } = await nyx.engine.createGame({ scenario: 'village-well' });
    await expect(nyx.engine.makeChoice(gameId, 'nonsense')).rejects.toMatchObject({ code: 'invalid', field: 'choiceId' });
    await expect(nyx.engine.makeChoice(gameId, 'ch_0000000000000000')).rejects.toMatchObject({ code: 'stale' });
    await expect(nyx.engine.createConflict(gameId, { type: 'feud', npcIds: [1] })).rejects.toMatchObject({ field: 'npcIds' });
    await expect(nyx.engine.getState('missing-game')).rejects.toMatchObject({ code: 'not_found' });
    expect(await nyx.engine.authorize(gameId, 'wrong-token')).toBe('forbidden');
  });
}

describe('a game on the embedded backend', () => playThrough('embedded'));
describeWithServices('a game on the distributed backend', ['redis', 'postgres'], () => playThrough('distributed'));

describe('the hot path never waits for the model', () => {
  let nyx: Nyx;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ nyx, stop } = await startTestNyx('embedded', { LLM_SIM_LATENCY_MS: '10000' }));
  });
  afterAll(async () => stop?.());

  it('answers a choice in milliseconds while its reactions take 10 s to write', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 3 });
    const choice = state.choices.find((c) => c.type === 'confrontational')!;
    const started = performance.now();
    const { outcome, state: after } = await nyx.engine.makeChoice(gameId, choice.id);
    const elapsed = performance.now() - started;
    expect(outcome.reactionsDispatched).toBeGreaterThan(0);
    expect(after.content.filter((c) => c.kind === 'reaction').every((c) => c.status === 'generating')).toBe(true);
    // Generous: the real figure is a few ms (see npm run bench); the model takes 10 s.
    expect(elapsed).toBeLessThan(2_000);
  });
});
