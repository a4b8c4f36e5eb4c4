import type { FastifyInstance } from 'fastify';
import { buildServer, type ServerConfig } from '../server/server.js';
import type { Nyx } from './nyx.js';

/** The game server over a running Nyx, configured from it; `overrides` for tests and the benchmark. */
export function buildNyxServer(nyx: Nyx, overrides: Partial<ServerConfig> = {}): Promise<FastifyInstance> {
  return buildServer({
    api: nyx.engine,
    hub: nyx.hub,
    queue: nyx.queue,
    cache: nyx.cache,
    locks: nyx.locks,
    readiness: () => nyx.readiness(),
    degraded: () => nyx.health.degraded,
    spend: nyx.spend,
    modelHealth: () => nyx.health.model,
    config: {
      rateLimitPerMinute: nyx.config.rateLimitPerMinute,
      ...(nyx.config.redisUrl ? { redisUrl: nyx.config.redisUrl } : {}),
      ...overrides,
    },
  });
}
