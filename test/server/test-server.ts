import type { FastifyInstance } from 'fastify';
import { MemoryCache } from '../../src/runtime/cache/memory-cache.js';
import { MemoryLocks } from '../../src/runtime/locks/memory-locks.js';
import { InProcessHub } from '../../src/runtime/hub/in-process-hub.js';
import type { QueueCounts } from '../../src/runtime/queue/task-queue.js';
import { buildServer, type ServerConfig, type ServerDependencies } from '../../src/server/server.js';
import { FakeGameApi } from './fake-game-api.js';

export interface TestServer {
  app: FastifyInstance;
  api: FakeGameApi;
  hub: InProcessHub;
  /** Flip to make /readyz report that check as down. */
  readiness: Record<string, boolean>;
}

export const QUEUE_COUNTS: QueueCounts = { waiting: 3, active: 1, delayed: 0, failed: 2, completed: 40 };

/** The server over a fake game API and an in-process hub; nothing listens until a test asks. */
export async function buildTestServer(
  config: Partial<ServerConfig> = {},
  overrides: Partial<Pick<ServerDependencies, 'queue' | 'degraded' | 'cache' | 'locks' | 'modelHealth' | 'spend'>> & {
    hub?: InProcessHub;
  } = {},
): Promise<TestServer> {
  const { hub = new InProcessHub(), ...dependencies } = overrides;
  const api = new FakeGameApi(hub);
  const readiness = { database: true, cache: true, queue: true };
  const app = await buildServer({
    api,
    hub,
    queue: { counts: async () => QUEUE_COUNTS },
    readiness: async () => ({ ...readiness }),
    degraded: () => false,
    cache: new MemoryCache(),
    locks: new MemoryLocks(),
    config: { rateLimitPerMinute: 10_000, ...config },
    ...dependencies,
  });
  return { app, api, hub, readiness };
}

/** Creates a game through the API and returns its id, token and auth header. */
export async function createGame(app: FastifyInstance, scenario = 'harbour') {
  const response = await app.inject({ method: 'POST', url: '/api/games', payload: { scenario } });
  if (response.statusCode !== 201) throw new Error(`createGame: ${response.statusCode} ${response.body}`);
  const { gameId, token } = response.json() as { gameId: string; token: string };
  return { gameId, token, headers: { authorization: `Bearer ${token}` } };
}
