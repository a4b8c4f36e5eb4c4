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

/**
 * The words a setting is written in, from its scenario file. Each list replaces the offline
 * writer's neutral default for that slot; a model reads them as the setting's vocabulary.
 */
export interface SettingVocabulary {
  /** Spots where things happen, e.g. "the salt quay". */
  places?: readonly string[];
  /** Times of day as adverbial phrases, e.g. "before the morning tide". */
  hours?: readonly string[];
  /** Weather as whole clauses, e.g. "a sea fog rolls in off the water". */
  weather?: readonly string[];
  /** Plural groups of onlookers, e.g. "the dockhands" (they take a plural verb). */
  crowds?: readonly string[];
  /** Plural or collective powers that be, e.g. "the harbour council" (written in the past tense or with modals, so either number reads). */
  authorities?: readonly string[];
  /** Small telling details, e.g. "a lantern snuffed out early". */
  signs?: readonly string[];
  /** Landmarks everyone knows, e.g. "the old lighthouse". */
  landmarks?: readonly string[];
  /** What the settlement is called in passing, e.g. "the harbour", "the village". */
  town?: readonly string[];
}

/** Where and when the story happens: the scenario's setting, given to every model call. */
export interface StorySetting {
  name: string;
  description: string;
  era?: string;
  vocabulary?: SettingVocabulary;
}
