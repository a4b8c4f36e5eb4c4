import type { CanonEventType, CanonRecord, FoundingMyth, LoreCheckResult, LoreMatch } from '../domain/canon.js';
import type { Phase } from '../domain/flow.js';
import { clamp } from '../domain/math.js';

/** Pure canon rules: what becomes canon, how significant it is, and the lore checks. */

export interface CanonizationInput {
  /** Defaults to 0.5 when the resolution does not say. */
  intensity?: number;
  significance?: number;
  playerInvolved?: boolean;
  worldImpact?: number;
}

/** A resolved conflict enters canon if it was intense and significant, involved the player, or changed the world. */
export function shouldCanonize({ intensity = 0.5, significance = 0, playerInvolved = false, worldImpact = 0 }: CanonizationInput): boolean {
  return (intensity > 0.7 && significance > 0.6) || (playerInvolved && significance > 0.5) || worldImpact > 0.7;
}

/** How much each kind of conflict matters to history; the first kind the type contains wins. */
const SIGNIFICANCE_BY_CONFLICT_KIND: ReadonlyArray<[kind: string, score: number]> = [
  ['political', 0.3],
  ['faction', 0.25],
  ['power', 0.25],
  ['social', 0.15],
  ['personal', 0.1],
  ['background', 0.05],
];
const OTHER_CONFLICT_SIGNIFICANCE = 0.1;

export interface SignificanceInput {
  conflictType: string;
  stakeholderCount: number;
  /** The conflict's own progress, 0–100. */
  progress: number;
  /** Whether canon already carries the tag `conflict_id_{id}`. */
  alreadyReferenced: boolean;
}

/**
 * The significance heuristic: 0.3, plus the conflict kind, plus 0.05 per stakeholder (up to 0.2), plus 0.1
 * near the end (progress ≥ 80), plus 0.1 if canon already refers to it; capped at 1. The type is
 * matched as a lower-case substring, like every other conflict-type rule, so "power_struggle"
 * scores as power.
 */
export function significanceScore({ conflictType, stakeholderCount, progress, alreadyReferenced }: SignificanceInput): number {
  const type = conflictType.toLowerCase();
  const kindScore = SIGNIFICANCE_BY_CONFLICT_KIND.find(([kind]) => type.includes(kind))?.[1] ?? OTHER_CONFLICT_SIGNIFICANCE;
  const score = 0.3 + kindScore + Math.min(0.2, 0.05 * stakeholderCount) + (progress >= 80 ? 0.1 : 0) + (alreadyReferenced ? 0.1 : 0);
  return Math.min(1, score);
}

/** Canon events log significance on a 1–10 scale. */
export function loggedSignificance(significance: number): number {
  return clamp(Math.round(significance * 10), 1, 10);
}

export interface CanonTagInput {
  eventType: CanonEventType;
  conflictType: string;
  conflictId: number;
  createsPrecedent: boolean;
}

/** The tags of a canonised resolution; `conflict_id_{id}` is what significanceScore looks for. */
export function canonTags({ eventType, conflictType, conflictId, createsPrecedent }: CanonTagInput): string[] {
  return ['conflict', 'resolution', eventType, conflictType, `conflict_id_${conflictId}`, createsPrecedent ? 'precedent' : 'event'];
}

/** Seeded when a world has no canon yet, so the first conflicts have a past to echo. */
export const FOUNDING_MYTHS: readonly FoundingMyth[] = [
  {
    name: 'The First Accord',
    eventType: 'historical_precedent',
    text: 'Before anyone living was born, two rivals who could not defeat each other agreed instead to share the ground between them. Every bargain since is said to stand on theirs.',
    significance: 10,
  },
  {
    name: 'The Night of Broken Oaths',
    eventType: 'taboo_broken',
    text: 'Once, a sworn ally turned on the one who trusted them most. The betrayer was never named again, and to this day a broken promise is spoken of as "walking that night".',
    significance: 9,
  },
  {
    name: 'The Keeping of the Flame',
    eventType: 'tradition_born',
    text: 'In a hard season a single lamp was kept burning for those who had not come home. Keeping a light for the absent became a custom no one questions.',
    significance: 8,
  },
  {
    name: 'The Quiet Usurpation',
    eventType: 'power_restructuring',
    text: 'Power here has changed hands without a blow struck, through patience, favours and knowing when to speak. The old order learned too late that whispers outlast decrees.',
    significance: 9,
  },
  {
    name: 'The Stranger at the Threshold',
    eventType: 'cultural_shift',
    text: 'A newcomer once arrived with nothing and, by kindness alone, changed how the community treated outsiders. Hospitality to strangers has been a point of pride ever since.',
    significance: 7,
  },
];

/** What a lore check says while the slow path is still checking: optimistic, flagged for review. */
export function lorePlaceholder(): LoreCheckResult {
  return { is_compliant: true, conflicts: [], needs_review: true, status: 'pending' };
}

export const LORE_SIMILARITY_THRESHOLD = 0.85;

/** Content too similar to an existing canon entry contradicts or duplicates it. */
export function loreComplianceFast(matches: readonly LoreMatch[], threshold = LORE_SIMILARITY_THRESHOLD): LoreCheckResult {
  const top = matches.reduce<LoreMatch | undefined>(
    (best, match) => (!best || match.similarity > best.similarity ? match : best),
    undefined,
  );
  if (!top || top.similarity <= threshold) return { is_compliant: true, conflicts: [] };
  return { is_compliant: false, conflicts: [top.text ?? 'Unknown conflict'], similarity: top.similarity };
}

/** The canon question a lore check asks about an event (asked on STATE_SYNC). */
export function loreCheckContent({
  type,
  location,
  participants,
}: {
  type: string;
  location: string;
  participants: readonly unknown[];
}): string {
  return `${type} at ${location} with ${participants.length} participants`;
}

export interface ResolutionCanonCheck {
  significance: number;
  potentialCanon: boolean;
}

/**
 * Entering resolution makes a conflict a canon candidate by its intensity. Keyed on the
 * transition's `toPhase`, the field the flow subsystem sends (it sends no `phase`).
 */
export function resolutionCanonCheck(transition: { toPhase: Phase; intensity: number }): ResolutionCanonCheck | undefined {
  if (transition.toPhase !== 'resolution') return undefined;
  const significance = resolutionPhaseSignificance(transition.intensity);
  return { significance, potentialCanon: significance > 0.7 };
}

export function resolutionPhaseSignificance(intensity: number): number {
  return Math.min(1, intensity * 1.2);
}

/** The mythology of a conflict as the player may read it now. */
export function mythologySummary(record?: Pick<CanonRecord, 'canonText'> | null): string {
  if (!record) return 'No canonical record yet';
  return record.canonText || 'Mythology pending generation...';
}
