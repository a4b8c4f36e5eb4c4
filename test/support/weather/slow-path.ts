import { implement, type TaskImplementation } from '../../../src/conflict/slow-path/task-implementation.js';
import { weatherTasks } from './contracts.js';

/** What players read about each sky; a real subsystem would ask `ctx.generate(kind, input)` here. */
const SKY_LINES = {
  clear: 'The clouds part over the square, and the quarrel looks smaller under a clean sky.',
  overcast: 'A flat grey lid settles over the roofs; nobody hurries home.',
  storm: 'Thunder rolls in from the hills, as if the weather had taken a side.',
} as const;

export const weatherSlowPath: readonly TaskImplementation[] = [
  implement(weatherTasks.describeSky, async (payload, ctx) => {
    await ctx.complete(payload.contentId, SKY_LINES[payload.sky]);
    return { status: 'written' };
  }),
];
