import Fastify, { type FastifyInstance } from 'fastify';
import { pathToFileURL } from 'node:url';
import type { Cache } from '../../src/runtime/cache/cache.js';
import { MemoryCache } from '../../src/runtime/cache/memory-cache.js';
import { RedisCache } from '../../src/runtime/cache/redis-cache.js';

/**
 * The floor: a bare Fastify route doing exactly one cache read on the backend Nyx uses. Nothing a
 * hot-path operation can do is cheaper, so "Nyx reaches N % of the floor" is the honest yardstick.
 */
export const FLOOR_PATH = '/floor';
const FLOOR_KEY = 'bench:floor';

async function startFloorServer(cache: Cache): Promise<{ app: FastifyInstance; baseUrl: string }> {
  await cache.setJson(FLOOR_KEY, { ok: true, note: 'one cache read' });
  const app = Fastify({ logger: false });
  app.get(FLOOR_PATH, async () => cache.getJson(FLOOR_KEY, { ok: false }));
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, baseUrl };
}

/** Run as a process of its own, like Nyx: the floor on Redis when REDIS_URL is set, in memory otherwise. */
async function main(): Promise<void> {
  const url = process.env.REDIS_URL;
  const cache = url ? new RedisCache({ url, keyPrefix: 'bench-floor:' }) : new MemoryCache();
  if (cache instanceof RedisCache) await cache.whenReady();
  const { app, baseUrl } = await startFloorServer(cache);
  const stop = async () => {
    await app.close();
    await cache.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  console.log(`Floor is running: ${baseUrl}/`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
