import { z } from 'zod';
import type { TaskQueue } from './task-queue.js';

/** How often a worker asks again for the schedules it runs: a Redis that lost its data lost them too. */
export const REASSERT_SCHEDULE_EVERY_MS = 60_000;

/**
 * Declares a cluster-wide housekeeping task (no payload, one attempt) on `queue`. With `run` (a
 * worker process) it also runs it and schedules it once for the cluster every `everyMs`, and asks
 * for the schedule again every REASSERT_SCHEDULE_EVERY_MS (asking is idempotent; a Redis that lost
 * its data would otherwise never run it again until a worker restarts); without `run` (a web
 * process that only dispatches) it is only declared. Resolves to the function that stops asking.
 */
export async function registerRepeatedTask(
  queue: TaskQueue,
  name: string,
  everyMs: number,
  run?: () => Promise<unknown>,
): Promise<() => void> {
  queue.defineTask(name, {
    payload: z.object({}).passthrough(),
    attempts: 1,
    ...(run ? { handler: () => run() } : {}),
  });
  if (!run) return () => undefined;
  await queue.repeat(name, everyMs);
  // The in-process queue keeps its schedule in a timer that nothing can lose.
  if (queue.backend === 'in-process') return () => undefined;
  const timer = setInterval(() => void queue.repeat(name, everyMs).catch(() => undefined), REASSERT_SCHEDULE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
