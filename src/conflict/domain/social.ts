/** Social circle: reputations, gossip and alliances around a conflict (§9 Social). */
import type { ReputationType, GossipType } from '../../story/vocabulary.js';
export { REPUTATION_TYPES, GOSSIP_TYPES, type ReputationType, type GossipType } from '../../story/vocabulary.js';

export const SOCIAL_ROLES = [
  'alpha',
  'beta',
  'confidant',
  'rival',
  'outsider',
  'gossip',
  'mediator',
  'influencer',
  'follower',
  'wildcard',
] as const;

/** 0–1 per type; a missing type means "not yet known" and each reader decides its default. */
export type ReputationScores = Partial<Record<ReputationType, number>>;

/** Cached and model-written payloads keep the seed's snake_case names (§6.3). */
export interface GossipItem {
  gossip_type: GossipType;
  content: string;
  /** NPC ids the gossip is about. */
  about: number[];
  /** 0–1 */
  spread_rate: number;
  /** 0–1 */
  truthfulness: number;
}

export interface Alliance {
  alliance_id?: number;
  party1_id: number;
  party2_id: number;
  alliance_type: string;
  terms?: Record<string, unknown>;
  is_secret: boolean;
}

export type BundleStatus = 'generating' | 'ready';

export interface SocialBundle {
  gossip: GossipItem[];
  reputation_status: 'pending' | 'ready';
  alliances: Alliance[];
  status: BundleStatus;
}
