import { AsyncResource } from 'node:async_hooks';
import PQueue from 'p-queue';

/**
 * One lane per game: work sent to a game's lane runs one piece at a time, in the order it came, each
 * in its sender's async context. A lane lives while it has work, so an idle game costs nothing.
 */
export class GameLanes {
  private readonly lanes = new Map<string, PQueue>();

  /**
   * Runs `task` in the game's lane, in the caller's async context: p-queue starts a queued task from
   * the end of the one before it, which would otherwise run it as part of that other caller's work
   * (a request's hot-path frame, its statements' lane and count).
   */
  run<T>(gameId: string, task: () => Promise<T>): Promise<T> {
    // `AsyncResource.bind` does the same at twice the cost (it builds deprecation wrappers on every call).
    const caller = new AsyncResource('nyx.game-lane');
    return this.lane(gameId).add(() => caller.runInAsyncScope(task)) as Promise<T>;
  }

  private lane(gameId: string): PQueue {
    let lane = this.lanes.get(gameId);
    if (!lane) {
      lane = new PQueue({ concurrency: 1 });
      lane.on('idle', () => this.lanes.delete(gameId));
      this.lanes.set(gameId, lane);
    }
    return lane;
  }
}
