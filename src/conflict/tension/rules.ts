import type { TensionBundle, TensionLevel } from '../domain/tension.js';

/** Pure tension rules: the scene's tension score, level and escalation. */

export interface TensionInputs {
  /** Mean intensity of the scene's active conflicts, 0–1. */
  avgIntensity: number;
  activeConflicts: number;
  /** Escalations recorded recently. */
  escalations: number;
}

/** Intensity dominates; the number of conflicts and escalations add bounded pressure. */
export function tensionScore({ avgIntensity, activeConflicts, escalations }: TensionInputs): number {
  return Math.min(1, 0.6 * avgIntensity + Math.min(0.1 * activeConflicts, 0.3) + Math.min(0.05 * escalations, 0.2));
}

/** Upper bounds (exclusive) of each level below critical. */
const LEVEL_CEILINGS: ReadonlyArray<[ceiling: number, level: TensionLevel]> = [
  [0.2, 'baseline'],
  [0.4, 'simmering'],
  [0.6, 'rising'],
  [0.8, 'high'],
];

export function tensionLevel(score: number): TensionLevel {
  return LEVEL_CEILINGS.find(([ceiling]) => score < ceiling)?.[1] ?? 'critical';
}

export const ESCALATION_COOLDOWN_MS = 2 * 60 * 60 * 1000;

/**
 * High tension escalates at most once per two hours; extreme tension (> 0.9) escalates regardless.
 * A scene that never escalated has no cooldown to wait for.
 */
export function shouldEscalate(score: number, lastEscalationAt: number | null | undefined, now: number): boolean {
  if (score > 0.9) return true;
  const cooledDown = lastEscalationAt == null || now - lastEscalationAt > ESCALATION_COOLDOWN_MS;
  return score > 0.7 && cooledDown;
}

/** What the hot path returns while a scene's tension bundle is being written. */
export const TENSION_FALLBACK: Readonly<TensionBundle> = {
  tension_level: 'baseline',
  tension_score: 0.3,
  manifestations: [],
  atmosphere: 'calm',
  status: 'generating',
};

const ATMOSPHERES: Readonly<Record<TensionLevel, string>> = {
  baseline: 'calm',
  simmering: 'uneasy',
  rising: 'charged',
  high: 'tense',
  critical: 'explosive',
};

/** A one-word mood for a level, shown until a model describes the scene (the fallback's "calm" is baseline). */
export function atmosphereFor(level: TensionLevel): string {
  return ATMOSPHERES[level];
}
