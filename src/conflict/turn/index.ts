import { defineSubsystem } from '../subsystem.js';
import { turnTasks } from './contracts.js';
import { oneCallPerTurn } from './hot-path.js';

/**
 * Turn: what one player choice asks the model to write (the reactions, and the narration of a phase
 * or beat the choice set off) joined into one call. It has no state and no handlers of its own: it
 * joins the other subsystems' tasks as a request commits (ONE_CALL_PER_TURN), and its worker writes
 * each piece where that piece's own task would.
 */
export const turn = defineSubsystem({
  name: 'turn',
  handlers: {},
  tasks: Object.values(turnTasks),
  combine: oneCallPerTurn,
  slowPath: async () => (await import('./slow-path.js')).turnSlowPath,
});
