import { HttpClient } from './http-client.js';
import { LoadRecorder } from './load-recorder.js';
import type { BenchTarget } from './nyx-target.js';
import type { LatencySummary } from './operation-stats.js';
import { PhaseClock } from './phase-clock.js';
import type { Progress } from './progress.js';
import { FLOOR_PATH } from './floor-server.js';

export interface FloorResult extends LatencySummary {
  distribution: number[];
}

/** The floor under the same client loop as the players, with no think time: as many reads as it answers. */
export async function measureFloor(target: BenchTarget, loops: number, seconds: number, progress: Progress): Promise<FloorResult> {
  const clock = new PhaseClock();
  const client = new HttpClient(target.baseUrl);
  const recorder = new LoadRecorder(clock);
  try {
    clock.enter('saturate');
    const running = Array.from({ length: loops }, async () => {
      while (clock.phase !== 'stopping') await recorder.timed('floorRead', () => client.request('GET', FLOOR_PATH));
    });
    await progress.during(
      seconds * 1000,
      (elapsedMs) => `[floor] ${Math.floor(elapsedMs / 1000)}/${seconds}s  loops ${loops}  requests ${recorder.completed}`,
    );
    clock.enter('stopping');
    await Promise.all(running);
    const stats = recorder.of('saturate', 'floorRead');
    return { ...stats.summary(seconds), distribution: stats.distribution() };
  } finally {
    client.close();
  }
}
