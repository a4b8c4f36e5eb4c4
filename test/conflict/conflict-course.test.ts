import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Nyx } from '../../src/app/nyx.js';
import type { GameState } from '../../src/conflict/engine/game-state.js';
import { loadBundledScenarios } from '../../src/conflict/scenarios/index.js';
import { eventually, startTestNyx } from '../support/nyx-harness.js';

/**
 * A conflict runs its whole course on the player's choices alone and ends by itself, in the
 * scenario's own words, then becomes canon. On the way, the scenario's own choices are on offer.
 */
describe('a conflict that runs its course', () => {
  let nyx: Nyx;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ nyx, stop } = await startTestNyx('embedded'));
  }, 120_000);
  afterAll(async () => stop?.());

  it('offers the scenario’s choices, ends with the scenario’s ending when its flow reaches resolution, and becomes canon', async () => {
    const scenario = (await loadBundledScenarios()).find((s) => s.id === 'village-well')!;
    const declared = scenario.conflicts[0]!;
    let { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well' });
    const labels = new Set<string>();
    for (let turn = 0; turn < 60 && state.conflicts[0]!.status === 'active'; turn++) {
      for (const choice of state.choices) labels.add(choice.label);
      // Push the quarrel on: the first choice that escalates, else whatever is first.
      const push = state.choices.find((c) => ['escalating', 'confrontational', 'aggressive'].includes(c.type)) ?? state.choices[0]!;
      ({ state } = await nyx.engine.makeChoice(gameId, push.id));
    }
    const conflict = state.conflicts[0]!;
    expect(conflict.status, `still ${conflict.phase} after 60 turns`).toBe('resolved');
    expect(conflict.phase).toBe('resolution');
    // The scenario's choices were offered in their phases, and the rules' ones followed the course.
    expect([...labels]).toEqual(expect.arrayContaining(declared.choices.map((c) => c.label)));
    expect([...labels].some((label) => label.startsWith('Force '))).toBe(true);
    expect(state.choices.every((c) => c.conflictId === undefined)).toBe(true);

    const ending = declared.endings.find((e) => e.when === (conflict.momentum > 0 ? 'escalated' : 'settled'))!;
    expect(state.content.some((item) => item.kind === 'narration' && item.text === ending.outcome && item.status === 'ready')).toBe(true);
    const withCanon: GameState = await eventually(
      () => nyx.engine.getState(gameId),
      (s) => s.canon.some((c) => c.conflictId === conflict.id),
      30_000,
    );
    expect(withCanon.canon.find((c) => c.conflictId === conflict.id)?.text).not.toBe('');
  }, 180_000);
});
