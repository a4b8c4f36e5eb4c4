import type { FastifyPluginAsync } from 'fastify';
import { registry } from '../../observability/metrics.js';
import type { GameEventStreams } from '../game-event-streams.js';
import { onHotPath } from '../hot-path-handler.js';
import { opsSnapshot } from '../ops-snapshot.js';
import { probeRoutes, sampleQueue, type ProbeDependencies } from './probe-routes.js';

export interface OpsDependencies extends ProbeDependencies {
  degraded: () => boolean;
  streams: GameEventStreams;
}

/** The web process's probes and telemetry: those of every process, and /api/ops (the dashboard). */
export const opsRoutes: FastifyPluginAsync<OpsDependencies> = async (app, { queue, readiness, degraded, streams }) => {
  await app.register(probeRoutes, { queue, readiness });

  app.get('/api/ops', async (request) =>
    onHotPath(request, async () => {
      const queueCounts = await sampleQueue(queue, app.log);
      return opsSnapshot(await registry.getMetricsAsJSON(), {
        queue: queueCounts,
        sseClients: streams.clientCount,
        degraded: degraded(),
      });
    }),
  );
};
