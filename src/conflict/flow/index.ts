import { defineSubsystem } from '../subsystem.js';
import { flowTasks } from './contracts.js';
import { flowHandlers } from './hot-path.js';

/** Flow: the dramatic shape of a conflict — its phase, intensity, momentum and beats — moved by rules now, narrated in the background. */
export const flow = defineSubsystem({
  name: 'flow',
  handlers: flowHandlers,
  tasks: Object.values(flowTasks),
  slowPath: async () => (await import('./slow-path.js')).flowSlowPath,
});
