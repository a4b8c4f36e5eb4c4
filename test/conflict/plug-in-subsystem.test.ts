import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Nyx } from '../../src/app/nyx.js';
import { conflictSubsystems } from '../../src/conflict/subsystems.js';
import { eventually, startTestNyx, type Backend } from '../support/nyx-harness.js';
import { describeWithServices } from '../support/services.js';
import { weather } from '../support/weather/index.js';

/**
 * A subsystem is one folder and one line in the list: the test-only weather subsystem
 * (test/support/weather) adds a handler, a task, a worker and a field of the state, and the
 * engine, the workers and the server run it unchanged.
 */
function plugIn(backend: Backend) {
  let nyx: Nyx;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ nyx, stop } = await startTestNyx(backend, {}, { subsystems: [...conflictSubsystems, weather] }));
  });
  afterAll(async () => stop());

  it('runs its handler on a choice, fills its item in the slow path and adds its part of the state', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 3 });
    expect(state.weather).toEqual({ sky: 'clear' });
    const choice = state.choices.find((c) => c.type === 'aggressive' || c.type === 'confrontational') ?? state.choices[0]!;
    const { state: after } = await nyx.engine.makeChoice(gameId, choice.id);

    const expectedSky = choice.type === 'aggressive' || choice.type === 'confrontational' ? 'storm' : 'overcast';
    expect(after.weather).toEqual({ sky: expectedSky });
    const opened = after.content.find((item) => item.kind === 'narration' && item.text === `The sky turns ${expectedSky}.`);
    expect(opened).toMatchObject({ status: 'generating', origin: 'fallback' });

    const filled = await eventually(
      () => nyx.feed.find(opened!.id),
      (item) => item?.status === 'ready',
    );
    expect(filled).toMatchObject({ status: 'ready', origin: 'generated' });
    expect(filled!.text).not.toBe(opened!.text);
    // The shipped subsystems still ran alongside it.
    expect(after.content.some((item) => item.kind === 'reaction')).toBe(true);
  });

  it('is not among the shipped subsystems, which run in their handler order', () => {
    expect(conflictSubsystems.map((subsystem) => subsystem.name)).toEqual(['stakeholders', 'flow', 'social', 'canon', 'tension', 'turn']);
  });
}

describe('a plug-in subsystem on the embedded backend', () => plugIn('embedded'));
describeWithServices('a plug-in subsystem on the distributed backend', ['redis', 'postgres'], () => plugIn('distributed'));
