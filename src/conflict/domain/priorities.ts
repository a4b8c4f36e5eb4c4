/**
 * Priorities shared by dispatchers and the event bus. Higher is served first: a planned
 * reaction answers the player, so it goes before actions (reactions 8 > high-stress actions 7 >
 * actions 5); narration shares the default 5.
 */
export const TASK_PRIORITY = {
  reaction: 8,
  highStressAction: 7,
  action: 5,
  narration: 5,
} as const;

/** Side-effect events emitted by handlers: lower numbers are more urgent. */
export const EVENT_PRIORITY = {
  breakingPoint: 2,
  canonEstablished: 3,
  phaseTransition: 4,
} as const;
