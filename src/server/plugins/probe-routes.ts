import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import type { ModelHealthRecord } from '../../runtime/health/model-health-record.js';
import { metrics, registry } from '../../observability/metrics.js';
import type { QueueCounts, TaskQueue } from '../../runtime/queue/task-queue.js';
import { onHotPath } from '../hot-path-handler.js';

export interface ProbeDependencies {
  queue: Pick<TaskQueue, 'counts'>;
  readiness: () => Promise<Record<string, boolean>>;
  /** The model backend's health as the workers last reported it; shown, never a reason for 503. */
  modelHealth?: () => ModelHealthRecord | undefined;
}

/** The queue's counts, also set on `nyx_queue_jobs`; null when its backend is down, since scrapes must still answer. */
export async function sampleQueue(queue: Pick<TaskQueue, 'counts'>, log: FastifyBaseLogger): Promise<QueueCounts | null> {
  try {
    const counts = await queue.counts();
    for (const [state, jobs] of Object.entries(counts)) metrics.queueJobs.set({ state }, jobs);
    return counts;
  } catch (error) {
    log.warn({ err: error }, 'queue counts unavailable');
    return null;
  }
}

/**
 * Probes and telemetry every Nyx process serves, web or worker: /healthz, /readyz and /metrics
 * (Prometheus, this process's registry).
 */
export const probeRoutes: FastifyPluginAsync<ProbeDependencies> = async (app, { queue, readiness, modelHealth }) => {
  const unlimited = { config: { rateLimit: false } } as const;

  app.get('/healthz', unlimited, async (request) => onHotPath(request, async () => ({ ok: true })));

  app.get('/readyz', unlimited, async (request, reply) =>
    onHotPath(request, async () => {
      const checks = await readiness().catch((error: unknown) => {
        app.log.warn({ err: error }, 'readiness check failed');
        return { readiness: false };
      });
      const ready = Object.values(checks).every(Boolean);
      // The game plays on rule fallbacks without a model: its health is reported, not a reason to take the process out.
      return reply.code(ready ? 200 : 503).send({ ...checks, model: modelHealth?.()?.status ?? 'unknown' });
    }),
  );

  app.get('/metrics', unlimited, async (request, reply) =>
    onHotPath(request, async () => {
      await sampleQueue(queue, app.log);
      return reply.type(registry.contentType).send(await registry.metrics());
    }),
  );
};
