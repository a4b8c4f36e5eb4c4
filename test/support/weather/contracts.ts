import { z } from 'zod';
import { made } from '../../../src/conflict/tasks/payload-fields.js';
import { defineTask } from '../../../src/conflict/tasks/task-contract.js';

export const SKIES = ['clear', 'overcast', 'storm'] as const;
export type Sky = (typeof SKIES)[number];

/** The weather subsystem's one task: the line that tells the player how the sky turned. */
export const weatherTasks = {
  describeSky: defineTask({
    name: 'weather.describe_sky',
    payload: z.object({ ...made, sky: z.enum(SKIES) }),
    priority: 2,
    dedupe: (p) => `${p.gameId}:weather:${p.stateVersion}`,
    dedupeMode: 'first',
    value: 'narration',
  }),
};
