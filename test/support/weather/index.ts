import { defineSubsystem } from '../../../src/conflict/subsystem.js';
import { weatherTasks } from './contracts.js';
import { weatherHandlers, weatherView } from './hot-path.js';

/**
 * Weather: a sixth subsystem that exists only for the tests, built by docs/extending.md's recipe.
 * It plugs in through the subsystem list alone: no change to the engine, the workers or the server.
 */
export const weather = defineSubsystem({
  name: 'weather',
  handlers: weatherHandlers,
  tasks: Object.values(weatherTasks),
  slowPath: async () => (await import('./slow-path.js')).weatherSlowPath,
  view: weatherView,
});
