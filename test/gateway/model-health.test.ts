import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MODEL_HEALTH_KEY, type ModelHealthRecord } from '../../src/runtime/health/model-health-record.js';
import { EngineHealth } from '../../src/conflict/engine/engine-health.js';
import {
  FAILURES_BEFORE_FAILING,
  LlmGateway,
  ModelHealth,
  ModelServerError,
  MonitoredProvider,
  OfflineProvider,
  OpenAiCompatibleProvider,
  type Completion,
  type ModelProvider,
} from '../../src/gateway/index.js';
import { MemoryCache } from '../../src/runtime/cache/memory-cache.js';
import { InProcessQueue } from '../../src/runtime/queue/in-process-queue.js';
import { sampleInputs } from './sample-inputs.js';

/** Fails while `down` is set, else answers like the offline provider. */
class FlakyProvider implements ModelProvider {
  readonly name = 'flaky';
  readonly pricing = { prompt: 0, output: 0 };
  down = true;
  private readonly offline = new OfflineProvider();
  async complete(request: Parameters<ModelProvider['complete']>[0]): Promise<Completion> {
    if (this.down) throw new ModelServerError(request.kind, undefined);
    return this.offline.complete(request);
  }
}

const reported = (cache: MemoryCache) => cache.getJson<ModelHealthRecord>(MODEL_HEALTH_KEY);

describe('ModelHealth', () => {
  it(`turns failing after ${FAILURES_BEFORE_FAILING} failed calls in a row, and answering again after one success`, async () => {
    const cache = new MemoryCache();
    const health = new ModelHealth(cache);
    const provider = new FlakyProvider();
    const gateway = new LlmGateway(new MonitoredProvider(provider, health), 5_000);
    const call = () => gateway.generate('gossip', { input: sampleInputs.gossip }).catch(() => undefined);

    for (let i = 1; i < FAILURES_BEFORE_FAILING; i++) await call();
    expect(await reported(cache)).toBeUndefined();
    await call();
    expect(await reported(cache)).toMatchObject({ status: 'failing', reason: 'server_error' });

    provider.down = false;
    await call();
    expect(await reported(cache)).toMatchObject({ status: 'ok' });
    await cache.close();
  });

  it('probes a dead LLM_BASE_URL at start-up: failing at once, in one warning line', async () => {
    // A port that was just free: nothing listens there.
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));

    const cache = new MemoryCache();
    const health = new ModelHealth(cache);
    const provider = new OpenAiCompatibleProvider({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      apiKey: undefined,
      model: 'm',
      modelByKind: {},
    });
    await health.probe(provider, `http://127.0.0.1:${port}/v1`);
    expect(await reported(cache)).toMatchObject({ status: 'failing', reason: 'ECONNREFUSED' });
    await cache.close();
  });

  it('probes a live server with one request for its model list', async () => {
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const cache = new MemoryCache();
    await new ModelHealth(cache).probe(new OpenAiCompatibleProvider({ baseUrl: url, apiKey: 'k', model: 'm', modelByKind: {} }), url);
    expect(paths).toEqual(['GET /v1/models Bearer k']);
    expect(await reported(cache)).toMatchObject({ status: 'ok' });
    server.close();
    await cache.close();
  });

  it('degrades the engine while the workers report the model failing, and recovers when it answers', async () => {
    const cache = new MemoryCache();
    const queue = new InProcessQueue({ concurrency: 1, attempts: 1, backoff: { delayMs: 10, factor: 2 } });
    const engine = new EngineHealth(queue, { failureRate: 0.5 }, cache);
    await engine.sample();
    expect(engine.degraded).toBe(false);

    await cache.setJson(MODEL_HEALTH_KEY, { status: 'failing', reason: 'timeout', checkedAt: Date.now() });
    await engine.sample();
    expect(engine.degraded).toBe(true);
    expect(engine.model).toMatchObject({ status: 'failing', reason: 'timeout' });

    await cache.setJson(MODEL_HEALTH_KEY, { status: 'ok', checkedAt: Date.now() });
    await engine.sample();
    expect(engine.degraded).toBe(false);
    engine.stop();
    await queue.close({ graceMs: 0 });
    await cache.close();
  });
});
