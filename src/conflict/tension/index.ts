import { defineSubsystem } from '../subsystem.js';
import { tensionTasks } from './contracts.js';
import { tensionHandlers, tensionView } from './hot-path.js';

/** Tension: the ambient pressure of a scene, summed over its conflicts. */
export const tension = defineSubsystem({
  name: 'tension',
  handlers: tensionHandlers,
  tasks: Object.values(tensionTasks),
  slowPath: async () => (await import('./slow-path.js')).tensionSlowPath,
  view: tensionView,
});
