/** Bounds every conflict number is kept within; written once so each rule clamps the same way. */

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Stress, commitment, intensity, phase progress, reputation, tension: all live in [0, 1]. */
export function clampUnit(value: number): number {
  return clamp(value, 0, 1);
}

/** Flow momentum is signed: negative momentum pulls a conflict backwards. */
export function clampMomentum(value: number): number {
  return clamp(value, -1, 1);
}
