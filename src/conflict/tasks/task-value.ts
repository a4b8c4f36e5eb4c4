/**
 * What a task's result is worth to a player, most valuable first: the reaction to their last
 * choice, then the action of an NPC in the scene, narration (and the canon's references, the
 * story remembering itself), gossip, reputation prose, lore checks. When
 * demand passes the slow path's capacity, the least valuable work is refused first and its caller
 * keeps the rule fallback; `essential` work (a conflict's canon record, an alliance, a role that no
 * longer fits) is rare and has no fallback, so it is never refused. `speculative` work (writing
 * ahead what the player may need next) is worth something only if the player asks for it, so it
 * only ever runs on workers that would otherwise stand idle.
 */
export const TASK_VALUES = ['essential', 'reaction', 'action', 'narration', 'gossip', 'reputation', 'lore', 'speculative'] as const;
export type TaskValue = (typeof TASK_VALUES)[number];

/**
 * The share of the slow path's backlog bound each value may fill: a reaction is admitted while the
 * queue is under its bound, a lore check only while it is under 15 % of it. Speculative work fills
 * none of it: it is admitted only while nothing waits and enough workers stand idle (see
 * `SlowPathCapacity.admit`). Work below `action` is also what a failing model sheds (see
 * `sheddableWhenFailing`).
 */
export const ADMISSION_SHARE: Readonly<Record<TaskValue, number>> = {
  essential: Number.POSITIVE_INFINITY,
  reaction: 1,
  action: 0.75,
  narration: 0.5,
  gossip: 0.35,
  reputation: 0.25,
  lore: 0.15,
  speculative: 0,
};

/** While the model fails most calls, only the work players wait on (reactions, actions) and essential work is still sent. */
export function sheddableWhenFailing(value: TaskValue): boolean {
  return ADMISSION_SHARE[value] < ADMISSION_SHARE.action;
}
