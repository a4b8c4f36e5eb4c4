import type { HttpResult } from './http-client.js';
import { OperationStats, type OperationName } from './operation-stats.js';
import type { Phase, PhaseClock } from './phase-clock.js';

/** The phases whose requests are kept: warm-up is played but not measured. */
export type RecordedPhase = Extract<Phase, 'measure' | 'saturate'>;

/** Files each request's latency under the phase it started in and its operation. */
export class LoadRecorder {
  readonly stats: Record<RecordedPhase, Map<OperationName, OperationStats>> = { measure: new Map(), saturate: new Map() };
  completed = 0;
  errors = 0;

  constructor(private readonly clock: PhaseClock) {}

  async timed<T>(operation: OperationName, send: () => Promise<HttpResult<T>>): Promise<HttpResult<T>> {
    const phase = this.clock.phase;
    const result = await send();
    const outcome = result.cutOff
      ? 'cutOff'
      : result.status >= 200 && result.status < 300
        ? 'ok'
        : result.status === 409
          ? 'stale'
          : 'error';
    this.completed++;
    if (outcome === 'error') this.errors++;
    if (phase === 'measure' || phase === 'saturate') this.of(phase, operation).record(result.ms, outcome);
    return result;
  }

  of(phase: RecordedPhase, operation: OperationName): OperationStats {
    let stats = this.stats[phase].get(operation);
    if (!stats) {
      stats = new OperationStats();
      this.stats[phase].set(operation, stats);
    }
    return stats;
  }
}
