import { MODEL_HEALTH_KEY, MODEL_HEALTH_TTL_S, type ModelHealthRecord } from '../runtime/health/model-health-record.js';
import { logger } from '../observability/logger.js';
import type { Cache } from '../runtime/cache/cache.js';
import { type Completion, type CompletionRequest, type ModelProvider, ProviderDecorator } from './providers/model-provider.js';

/** Consecutive failed calls after which the backend counts as failing; one success clears it. */
export const FAILURES_BEFORE_FAILING = 3;
/** An unchanged status is written again at most this often, to keep its record alive without a write per call. */
const REFRESH_EVERY_MS = 30_000;
/** The start-up probe's budget. */
export const PROBE_TIMEOUT_MS = 5_000;

const log = logger.child({ module: 'model-health' });

/**
 * Whether the model backend answers, from the calls this worker makes and the start-up probe,
 * published in the cache for every process. A schema-invalid answer is still an answer: only
 * transport failures (timeouts, unreachable or erroring servers, 429s) count against it.
 */
export class ModelHealth {
  private consecutiveFailures = 0;
  private published: ModelHealthRecord | undefined;

  constructor(
    private readonly cache: Cache,
    private readonly now: () => number = Date.now,
  ) {}

  get current(): ModelHealthRecord | undefined {
    return this.published;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.publish({ status: 'ok', checkedAt: this.now() });
  }

  recordFailure(reason: string): void {
    this.consecutiveFailures += 1;
    if (this.consecutiveFailures >= FAILURES_BEFORE_FAILING) this.publish({ status: 'failing', reason, checkedAt: this.now() });
  }

  /**
   * One cheap request to the backend, not awaited by start-up: a backend that does not answer is
   * reported in one warning line and marked failing at once.
   */
  async probe(provider: ModelProvider, endpoint: string): Promise<void> {
    if (!provider.probe) return;
    try {
      await provider.probe(AbortSignal.timeout(PROBE_TIMEOUT_MS));
      this.recordSuccess();
    } catch (error) {
      // fetch hides the useful part (ECONNREFUSED, ENOTFOUND) in its cause.
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      const reason = typeof cause === 'string' ? cause : error instanceof Error ? error.message : String(error);
      log.warn(`model ${provider.name} at ${endpoint} does not answer (${reason}); Nyx runs on rule fallbacks until it does`);
      this.consecutiveFailures = FAILURES_BEFORE_FAILING;
      this.publish({ status: 'failing', reason, checkedAt: this.now() });
    }
  }

  private publish(record: ModelHealthRecord): void {
    const previous = this.published;
    const changed = previous?.status !== record.status || previous.reason !== record.reason;
    if (!changed && previous && record.checkedAt - previous.checkedAt < REFRESH_EVERY_MS) return;
    if (changed && previous) log.warn({ status: record.status, reason: record.reason }, 'model health changed');
    this.published = record;
    void this.cache.setJson(MODEL_HEALTH_KEY, record, MODEL_HEALTH_TTL_S);
  }
}

/** Wraps the provider the gateway calls so that every call's outcome feeds ModelHealth. */
export class MonitoredProvider extends ProviderDecorator {
  constructor(
    inner: ModelProvider,
    private readonly health: ModelHealth,
  ) {
    super(inner);
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    try {
      const completion = await this.inner.complete(request);
      this.health.recordSuccess();
      return completion;
    } catch (error) {
      const reason = (error as { reason?: unknown }).reason;
      this.health.recordFailure(typeof reason === 'string' ? reason : request.signal.aborted ? 'timeout' : 'error');
      throw error;
    }
  }
}
