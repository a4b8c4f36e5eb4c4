/** Tension: the ambient pressure of a scene, summed over its conflicts (§7.5). */
import type { TensionLevel } from '../../story/vocabulary.js';
export { TENSION_LEVELS, type TensionLevel } from '../../story/vocabulary.js';

export interface TensionBundle {
  tension_level: TensionLevel;
  /** 0–1 */
  tension_score: number;
  manifestations: string[];
  atmosphere: string;
  status: 'generating' | 'ready';
}
