import type { HotPathSubsystem } from './engine/subsystem.js';
import type { SlowPathSubsystem } from './slow-path/conflict-workers.js';

/**
 * A subsystem of the conflict system, declared in one value by its own folder: its name, its event
 * handlers (hot path), its task contracts, where its task implementations load from (slow path,
 * loaded by worker processes only) and its part of the player's state. The composition root hands
 * the list to the engine and to the workers; neither knows any subsystem by name.
 */
export type Subsystem = HotPathSubsystem & SlowPathSubsystem;

export function defineSubsystem(subsystem: Subsystem): Subsystem {
  return subsystem;
}
