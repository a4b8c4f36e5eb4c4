import { z } from 'zod';

/** The fields every task payload shares: which game, made for which state version, filling which feed item. */
export const id = z.number().int().positive();
export const gameId = z.string().min(1).max(64);
export const made = {
  gameId,
  stateVersion: z.number().int().nonnegative(),
  contentId: z.string().min(1).max(80).optional(),
  /** Epoch ms of the dispatch, set by the dispatcher: the job timeline's queue time. */
  dispatchedAt: z.number().int().nonnegative().optional(),
  /**
   * Sent again by shed recovery, with spare capacity: the item is written even though a newer one of
   * the same subject exists or the job waited in the queue (the player sees it, and the model is idle).
   */
  recovered: z.literal(true).optional(),
};

/** One joined task's name and payload (`MadeFor.parts`): its own fields are checked against its own contract when it runs. */
export const part = z.object({ name: z.string().min(1).max(80), payload: z.looseObject(made) });
