/** Tension: the ambient pressure of a scene, summed over its conflicts. */

/** Ordered from calm to explosive. */
export const TENSION_LEVELS = ['baseline', 'simmering', 'rising', 'high', 'critical'] as const;
export type TensionLevel = (typeof TENSION_LEVELS)[number];

export interface TensionBundle {
  tension_level: TensionLevel;
  /** 0–1 */
  tension_score: number;
  manifestations: string[];
  atmosphere: string;
  status: 'generating' | 'ready';
}
