import type { FastifyPluginAsync } from 'fastify';
import { registry } from '../../observability/metrics.js';
import type { SpendLedger } from '../../runtime/spend/spend-ledger.js';
import type { GameEventStreams } from '../game-event-streams.js';
import { onHotPath } from '../hot-path-handler.js';
import { opsSnapshot } from '../ops-snapshot.js';
import { probeRoutes, sampleQueue, type ProbeDependencies } from './probe-routes.js';

export interface OpsDependencies extends ProbeDependencies {
  degraded: () => boolean;
  streams: GameEventStreams;
  spend?: Pick<SpendLedger, 'hourSpentUsd' | 'hourTurns'>;
}

/** The web process's probes and telemetry: those of every process, and /api/ops (the dashboard). */
export const opsRoutes: FastifyPluginAsync<OpsDependencies> = async (app, { queue, readiness, degraded, modelHealth, streams, spend }) => {
  await app.register(probeRoutes, { queue, readiness, ...(modelHealth ? { modelHealth } : {}) });

  app.get('/api/ops', async (request) =>
    onHotPath(request, async () => {
      const [queueCounts, hourUsd, hourTurns] = await Promise.all([sampleQueue(queue, app.log), spend?.hourSpentUsd(), spend?.hourTurns()]);
      return opsSnapshot(await registry.getMetricsAsJSON(), {
        queue: queueCounts,
        spend: hourUsd === undefined || hourTurns === undefined ? null : { hourUsd, hourTurns },
        sseClients: streams.clientCount,
        degraded: degraded(),
        modelHealth: modelHealth?.(),
      });
    }),
  );
};
