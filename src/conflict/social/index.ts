import { defineSubsystem } from '../subsystem.js';
import { socialTasks } from './contracts.js';
import { socialHandlers } from './hot-path.js';

/** Social circle: reputations, gossip and alliances around a conflict. */
export const social = defineSubsystem({
  name: 'social',
  handlers: socialHandlers,
  tasks: Object.values(socialTasks),
  slowPath: async () => (await import('./slow-path.js')).socialSlowPath,
});
