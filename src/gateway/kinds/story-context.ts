import type { ConflictPhase, DecisionStyle, StakeholderRole } from './vocabulary.js';

/** Input pieces several kinds share: what the conflict engine knows at dispatch time. */

export interface StakeholderSnapshot {
  name: string;
  role: StakeholderRole;
  decisionStyle: DecisionStyle;
  /** 0–1 */
  stress: number;
  /** 0–1 */
  commitment: number;
  traits: string[];
}

export interface ConflictSnapshot {
  title: string;
  /** Free-form conflict type, e.g. "power struggle", "social rivalry". */
  type: string;
  phase: ConflictPhase;
  /** 0–1 */
  intensity: number;
  /** −1–1 */
  momentum: number;
}

export interface SceneSnapshot {
  location: string;
  /** Names of the other characters present. */
  others: string[];
}

export interface NamedCharacter {
  name: string;
  role?: string;
}
