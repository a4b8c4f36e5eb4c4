import type { Cache } from '../../runtime/cache/cache.js';
import type { SlowPathCapacity } from '../../runtime/queue/slow-path-capacity.js';
import type { TaskQueue } from '../../runtime/queue/task-queue.js';
import { MODEL_HEALTH_KEY, type ModelHealthRecord } from '../../runtime/health/model-health-record.js';
import { logger } from '../../observability/logger.js';

/**
 * Graceful degradation. Load is handled by admission (`SlowPathCapacity`: work past the queue's
 * bound is refused by value, the rest flows); this watches the model itself. When the recent task
 * failure rate passes its threshold, or the workers report the model backend failing (through the
 * cache), the model is "failing": only the work players wait on (reactions, actions) and essential
 * work is still sent, the rest keeps its rule fallback. It recovers by itself once the rate falls
 * under half its threshold (hysteresis, so it does not flap) and the workers report the model
 * answering. The state's `degraded` flag is true while the model is failing or admission is
 * refusing work.
 */
export interface HealthThresholds {
  failureRate: number;
  /** How many recent task outcomes the failure rate is computed over. */
  window?: number;
  sampleEveryMs?: number;
}

const log = logger.child({ module: 'engine-health' });

export class EngineHealth {
  private outcomes: boolean[] = [];
  private state = false;
  private modelHealth: ModelHealthRecord | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: Array<() => void>;
  private readonly window: number;

  constructor(
    queue: Pick<TaskQueue, 'on'>,
    private readonly thresholds: HealthThresholds,
    /** Where the workers publish the model's health; without it only the failure rate counts. */
    private readonly cache?: Pick<Cache, 'getJson'>,
    /** Whether admission is refusing work now; without it only the model counts. */
    private readonly capacity?: Pick<SlowPathCapacity, 'shedding'>,
  ) {
    this.window = thresholds.window ?? 50;
    this.unsubscribe = [
      queue.on('completed', () => this.record(true)),
      queue.on('failed', (event) => {
        if (event.final) this.record(false);
      }),
    ];
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sample(), this.thresholds.sampleEveryMs ?? 1_000);
    this.timer.unref();
  }

  /** The model fails too often to spend it on work nobody waits for. */
  get modelFailing(): boolean {
    return this.state;
  }

  /** What the state's `degraded` flag says: the model is failing, or admission is refusing work. */
  get degraded(): boolean {
    return this.state || this.capacity?.shedding === true;
  }

  /** The model's health as last read; undefined until a worker has reported it. */
  get model(): ModelHealthRecord | undefined {
    return this.modelHealth;
  }

  get failureRate(): number {
    if (this.outcomes.length === 0) return 0;
    return this.outcomes.filter((ok) => !ok).length / this.outcomes.length;
  }

  /** Reads the model's health now (the timer does this; tests call it directly). */
  async sample(): Promise<void> {
    if (this.cache) this.modelHealth = await this.cache.getJson<ModelHealthRecord>(MODEL_HEALTH_KEY).catch(() => this.modelHealth);
    this.evaluate();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const off of this.unsubscribe) off();
  }

  private record(ok: boolean): void {
    this.outcomes.push(ok);
    if (this.outcomes.length > this.window) this.outcomes.shift();
    this.evaluate();
  }

  private evaluate(): void {
    const rate = this.outcomes.length >= 10 ? this.failureRate : 0;
    const modelFailing = this.modelHealth?.status === 'failing';
    const over = rate > this.thresholds.failureRate || modelFailing;
    const clear = rate <= this.thresholds.failureRate / 2 && !modelFailing;
    const next = this.state ? !clear : over;
    if (next !== this.state) {
      log.warn(
        { modelFailing: next, failureRate: rate, model: this.modelHealth?.status },
        next ? 'model failing: only reactions, actions and essential work are sent' : 'model answering again',
      );
      this.state = next;
    }
  }
}
