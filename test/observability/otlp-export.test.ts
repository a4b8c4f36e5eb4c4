import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GameState } from '../../src/conflict/engine/game-state.js';
import { eventually } from '../support/nyx-harness.js';
import { spawnNyx } from '../support/processes.js';

interface OtlpTraces {
  resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string; traceId: string }> }> }>;
}

/** A stand-in OpenTelemetry collector: keeps every span name that arrives on OTLP/HTTP (JSON). */
const received: Array<{ name: string; traceId: string }> = [];
const collector = createServer((request: IncomingMessage, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (request.url === '/v1/traces') {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces;
      for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans) received.push(...scope.spans);
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => collector.close(resolve));
});

describe('nyx serve with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('exports a click as one trace, request to model call, and flushes it on shutdown', async () => {
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const server = spawnNyx('serve', ['serve'], {
      NYX_DATA_DIR: ':memory:',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      LLM_SIM_LATENCY_MS: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    });
    try {
      const baseUrl = (await server.waitForOutput(/Nyx is running: (http:\/\/\S+?)\//, 60_000))[1]!;
      const created = await fetch(`${baseUrl}/api/games`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ scenario: 'village-well', seed: 9 }),
      });
      const { gameId, token, state } = (await created.json()) as {
        gameId: string;
        token: string;
        state: { choices: Array<{ id: string }> };
      };
      const chosen = await fetch(`${baseUrl}/api/games/${gameId}/choices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ choiceId: state.choices[0]!.id }),
      });
      expect(chosen.status).toBe(200);
      // Once no item is generating, the choice's jobs have made their model calls; the shutdown
      // flushes their spans.
      await eventually(
        async () =>
          (await (
            await fetch(`${baseUrl}/api/games/${gameId}/state`, { headers: { authorization: `Bearer ${token}` } })
          ).json()) as GameState,
        (current) => current.content.every((item) => item.status !== 'generating'),
      );
    } finally {
      expect(await server.stop('SIGTERM', 30_000)).toBe(0);
    }
    const click = received.find((span) => span.name === 'POST /api/games/:gameId/choices');
    expect(click, received.map((span) => span.name).join(', ')).toBeDefined();
    const trace = received.filter((span) => span.traceId === click!.traceId).map((span) => span.name);
    expect(trace).toEqual(
      expect.arrayContaining([expect.stringMatching(/^send /), expect.stringMatching(/^process /), expect.stringMatching(/^chat /)]),
    );
  }, 120_000);
});
