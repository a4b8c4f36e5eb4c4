import { canon } from './canon/index.js';
import { flow } from './flow/index.js';
import { social } from './social/index.js';
import { stakeholders } from './stakeholders/index.js';
import type { Subsystem } from './subsystem.js';
import { tension } from './tension/index.js';
import { turn } from './turn/index.js';

/**
 * The subsystems Nyx runs, in the order their handlers see each event: stakeholders react first,
 * then the flow moves, the social circle talks, canon records and tension sums it up; turn only
 * joins what a choice asked the model for into one call. Adding a subsystem is its folder plus one
 * line here.
 */
export const conflictSubsystems: readonly Subsystem[] = [stakeholders, flow, social, canon, tension, turn];
