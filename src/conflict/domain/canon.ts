/** Canon: conflicts that become part of the world's recorded history (§7.4, §9 Canon). */
import type { CanonEventType } from '../../story/vocabulary.js';
export { CANON_EVENT_TYPES, type CanonEventType } from '../../story/vocabulary.js';

/** The latest canon row of a conflict, as the hot path caches it (§7.4 `get_cached_canon_record`). */
export interface CanonRecord {
  canonId: number;
  /** null until the slow path has written the text */
  canonText: string | null;
  significanceScore: number;
  culturalImpact?: string | null;
  /** epoch ms */
  createdAt: number;
}

export interface FoundingMyth {
  name: string;
  eventType: CanonEventType;
  text: string;
  /** 1–10, as canon events log it */
  significance: number;
}

/** A lore check as cached at `lore_check:{category}:{hash}` (§6.4, §7.4). */
export interface LoreCheckResult {
  is_compliant: boolean;
  conflicts: string[];
  needs_review?: boolean;
  status?: 'pending' | 'checked';
  similarity?: number;
}

/** A nearest-neighbour hit from the canon vector search. */
export interface LoreMatch {
  similarity: number;
  text?: string;
}
