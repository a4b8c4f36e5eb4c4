import { defineSubsystem } from '../subsystem.js';
import { canonTasks } from './contracts.js';
import { canonHandlers } from './hot-path.js';

/** Canon: resolved conflicts that become the world's recorded history, which NPCs later refer to. */
export const canon = defineSubsystem({
  name: 'canon',
  handlers: canonHandlers,
  tasks: Object.values(canonTasks),
  slowPath: async () => (await import('./slow-path.js')).canonSlowPath,
});
