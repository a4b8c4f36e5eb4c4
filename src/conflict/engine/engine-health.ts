import type { Cache } from '../../runtime/cache/cache.js';
import type { TaskQueue } from '../../runtime/queue/task-queue.js';
import { MODEL_HEALTH_KEY, type ModelHealthRecord } from '../../runtime/health/model-health-record.js';
import { logger } from '../../observability/logger.js';

/**
 * Graceful degradation. When the queue's backlog or the recent task failure rate passes its
 * threshold the engine is "degraded": non-critical kinds (narration, gossip, manifestations, ...)
 * are skipped in favour of their rule fallbacks while reactions and actions keep flowing. It samples
 * off the hot path (a timer) so a request only reads a boolean, and recovers by itself once both
 * signals fall back under half their thresholds (hysteresis, so it does not flap). A model backend
 * the workers report failing (through the cache) degrades it too, until they report it answering.
 */
export interface HealthThresholds {
  queueDepth: number;
  failureRate: number;
  /** How many recent task outcomes the failure rate is computed over. */
  window?: number;
  sampleEveryMs?: number;
}

const log = logger.child({ module: 'engine-health' });

export class EngineHealth {
  private outcomes: boolean[] = [];
  private backlog = 0;
  private state = false;
  private modelHealth: ModelHealthRecord | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: Array<() => void>;
  private readonly window: number;

  constructor(
    private readonly queue: TaskQueue,
    private readonly thresholds: HealthThresholds,
    /** Where the workers publish the model's health; without it only the queue counts. */
    private readonly cache?: Pick<Cache, 'getJson'>,
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

  get degraded(): boolean {
    return this.state;
  }

  /** The model's health as last read; undefined until a worker has reported it. */
  get model(): ModelHealthRecord | undefined {
    return this.modelHealth;
  }

  get failureRate(): number {
    if (this.outcomes.length === 0) return 0;
    return this.outcomes.filter((ok) => !ok).length / this.outcomes.length;
  }

  /** Reads the queue depth now (the timer does this; tests call it directly). */
  async sample(): Promise<void> {
    try {
      const counts = await this.queue.counts();
      this.backlog = counts.waiting + counts.delayed;
    } catch {
      // A queue that cannot answer leaves the last reading in place.
    }
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
    const over = this.backlog > this.thresholds.queueDepth || rate > this.thresholds.failureRate || modelFailing;
    const clear = this.backlog <= this.thresholds.queueDepth / 2 && rate <= this.thresholds.failureRate / 2 && !modelFailing;
    const next = this.state ? !clear : over;
    if (next !== this.state) {
      log.warn(
        { degraded: next, backlog: this.backlog, failureRate: rate, model: this.modelHealth?.status },
        next ? 'entering degraded mode' : 'leaving degraded mode',
      );
      this.state = next;
    }
  }
}
