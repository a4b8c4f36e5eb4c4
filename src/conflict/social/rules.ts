import { clampUnit } from '../domain/math.js';
import type { Random } from '../domain/random.js';
import type { GossipItem, ReputationScores, ReputationType, SocialBundle } from '../domain/social.js';
import { REPUTATION_TYPES } from '../domain/social.js';

/** Pure social-circle rules: reputations, gossip and the scene's social bundle. */

export { REPUTATION_TYPES };

/** A reputation nobody has touched reads as neutral (`reputation:{npc}:{type}`). */
export const REPUTATION_DEFAULT = 0.5;
/** A type the model left out of its assessment reads as weak. */
export const MISSING_REPUTATION_DEFAULT = 0.3;

export type InMemoryReputationAction = 'betray' | 'support' | 'oppose' | 'victory' | 'defeat';
export type CachedReputationAction = 'betray' | 'support' | 'oppose';

/** Table A: the subsystem's in-memory view, including the outcome of a resolved conflict. */
export const REPUTATION_TABLE_A: Readonly<Record<InMemoryReputationAction, ReputationScores>> = {
  betray: { trustworthy: -0.3, dangerous: 0.2 },
  support: { trustworthy: 0.1, nurturing: 0.1 },
  oppose: { rebellious: 0.2, submissive: -0.2 },
  victory: { influential: 0.2, dangerous: 0.1 },
  defeat: { influential: -0.1, submissive: 0.1 },
};

/** Table B: the deltas applied to the cached reputations players see. */
export const REPUTATION_TABLE_B: Readonly<Record<CachedReputationAction, ReputationScores>> = {
  betray: { trustworthy: -0.3, scandalous: 0.2, dangerous: 0.1 },
  support: { trustworthy: 0.2, nurturing: 0.1, influential: 0.1 },
  oppose: { rebellious: 0.2, dangerous: 0.1, mysterious: 0.05 },
};

function deltaEntries(deltas: ReputationScores): Array<[ReputationType, number]> {
  return Object.entries(deltas) as Array<[ReputationType, number]>;
}

/** One clamped step of one reputation; an unknown current value starts from neutral. */
export function applyReputationDelta(current: number = REPUTATION_DEFAULT, delta: number): number {
  return clampUnit(current + delta);
}

/** Table A applied to an NPC's in-memory scores; untouched types are kept as they are. */
export function applyReputationTableA(scores: ReputationScores, action: InMemoryReputationAction): ReputationScores {
  const updated = { ...scores };
  for (const [type, delta] of deltaEntries(REPUTATION_TABLE_A[action])) {
    updated[type] = applyReputationDelta(scores[type], delta);
  }
  return updated;
}

export function reputationDeltasTableB(action: CachedReputationAction): ReputationScores {
  return { ...REPUTATION_TABLE_B[action] };
}

/** Fills the types a model's assessment left out. */
export function completeLlmReputation(scores: ReputationScores): Record<ReputationType, number> {
  return Object.fromEntries(REPUTATION_TYPES.map((type) => [type, clampUnit(scores[type] ?? MISSING_REPUTATION_DEFAULT)])) as Record<
    ReputationType,
    number
  >;
}

/** Small drifts are not worth a sentence of prose (only a change larger than 0.1 is narrated). */
export function shouldNarrateReputationChange(oldValue: number, newValue: number): boolean {
  return Math.abs(newValue - oldValue) > 0.1;
}

export type ReputationKind = CachedReputationAction | 'ally' | 'none';

const REPUTATION_KIND_BY_ACTION: Readonly<Record<string, ReputationKind>> = {
  betray: 'betray',
  // Manipulation is betrayal found out later: it costs trust and feeds scandal.
  manipulative: 'betray',
  support: 'support',
  supportive: 'support',
  // Brokering peace is seen as support for the parties.
  diplomatic: 'support',
  mediate: 'support',
  oppose: 'oppose',
  // Open hostility reads as opposition: rebellious, dangerous.
  aggressive: 'oppose',
  escalate: 'oppose',
  ally: 'ally',
};

/**
 * Which social consequence a STAKEHOLDER_ACTION has. Keyed only on the verbs
 * betray/support/oppose/ally, which no ActionType ever is, model-chosen actions would never touch a
 * reputation, so the ActionTypes with an obvious social reading are mapped to the nearest verb.
 * Defensive, evasive, observant and strategic moves, and withdrawals, have no social consequence.
 */
export function actionReputationKind(actionType: string): ReputationKind {
  return REPUTATION_KIND_BY_ACTION[actionType] ?? 'none';
}

/** Half-truths travel further than facts, and gossips spread more. */
export function gossipSpreadProbability(truthfulness: number, spreadTendency: number): number {
  return (1 - truthfulness * 0.5) * spreadTendency;
}

export function shouldSpreadGossip(truthfulness: number, spreadTendency: number, random: Random): boolean {
  return random() < gossipSpreadProbability(truthfulness, spreadTendency);
}

/** Talk raises tension with volume, and scandal most of all. */
export function socialTension(gossip: ReadonlyArray<Pick<GossipItem, 'gossip_type'>>): number {
  const scandals = gossip.filter((item) => item.gossip_type === 'scandal').length;
  return Math.min(1, Math.min(1, gossip.length / 10) + 0.1 * scandals);
}

/** What a scene shows when no gossip has been written yet. */
export const FALLBACK_GOSSIP: Readonly<GossipItem> = {
  gossip_type: 'rumor',
  content: 'Something interesting was mentioned',
  about: [],
  spread_rate: 0.3,
  truthfulness: 0.5,
};

/** What the hot path returns while a scene's social bundle is being written. */
export const SOCIAL_BUNDLE_FALLBACK: Readonly<SocialBundle> = {
  gossip: [],
  reputation_status: 'pending',
  alliances: [],
  status: 'generating',
};

/**
 * Whether STATE_SYNC also asks for gossip about the scene: only with two NPCs to gossip
 * about, only while the bundle is still being written, and only 30 % of the time to bound cost.
 */
export function shouldQueueSceneGossip(npcCount: number, bundleStatus: SocialBundle['status'], random: Random): boolean {
  return npcCount >= 2 && bundleStatus === 'generating' && random() < 0.3;
}
