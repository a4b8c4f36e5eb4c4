import type { FastifyPluginAsync } from 'fastify';
import { metrics, registry } from '../../observability/metrics.js';
import type { ModelHealthRecord } from '../../conflict/domain/cache-contract.js';
import type { QueueCounts, TaskQueue } from '../../runtime/queue/task-queue.js';
import type { SpendLedger } from '../../runtime/spend/spend-ledger.js';
// Registers nyx_event_loop_delay_seconds on the registry this plugin serves.
import type { GameEventStreams } from '../game-event-streams.js';
import { onHotPath } from '../hot-path-handler.js';
import { opsSnapshot } from '../ops-snapshot.js';

export interface OpsDependencies {
  queue: Pick<TaskQueue, 'counts'>;
  readiness: () => Promise<Record<string, boolean>>;
  degraded: () => boolean;
  modelHealth: () => ModelHealthRecord | undefined;
  streams: GameEventStreams;
  spend?: Pick<SpendLedger, 'hourSpentUsd' | 'hourTurns'>;
}

/** Probes and telemetry: /healthz, /readyz, /metrics (Prometheus) and /api/ops (the dashboard). */
export const opsRoutes: FastifyPluginAsync<OpsDependencies> = async (app, { queue, readiness, degraded, modelHealth, streams, spend }) => {
  /** The queue's backend may be down; the dashboard and scrapes must still answer. */
  async function sampleQueue(): Promise<QueueCounts | null> {
    try {
      const counts = await queue.counts();
      for (const [state, jobs] of Object.entries(counts)) metrics.queueJobs.set({ state }, jobs);
      return counts;
    } catch (error) {
      app.log.warn({ err: error }, 'queue counts unavailable');
      return null;
    }
  }

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
      return reply.code(ready ? 200 : 503).send({ ...checks, model: modelHealth()?.status ?? 'unknown' });
    }),
  );

  app.get('/metrics', unlimited, async (request, reply) =>
    onHotPath(request, async () => {
      await sampleQueue();
      return reply.type(registry.contentType).send(await registry.metrics());
    }),
  );

  app.get('/api/ops', async (request) =>
    onHotPath(request, async () => {
      const [queueCounts, hourUsd, hourTurns] = await Promise.all([sampleQueue(), spend?.hourSpentUsd(), spend?.hourTurns()]);
      return opsSnapshot(await registry.getMetricsAsJSON(), {
        queue: queueCounts,
        spend: hourUsd === undefined || hourTurns === undefined ? null : { hourUsd, hourTurns },
        sseClients: streams.clientCount,
        degraded: degraded(),
        modelHealth: modelHealth(),
      });
    }),
  );
};
