import { defineSubsystem } from '../subsystem.js';
import { stakeholderTasks } from './contracts.js';
import { anticipateReactions, stakeholdersHandlers } from './hot-path.js';

/** Stakeholders: the NPCs who take part in a conflict, with a role, a decision style and stress. Their decisions and reactions are generated in the background and claimed by the next state sync. */
export const stakeholders = defineSubsystem({
  name: 'stakeholders',
  handlers: stakeholdersHandlers,
  tasks: Object.values(stakeholderTasks),
  spare: anticipateReactions,
  slowPath: async () => (await import('./slow-path.js')).stakeholdersSlowPath,
});
