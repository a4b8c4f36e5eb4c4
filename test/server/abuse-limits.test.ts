import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerConfig } from '../../src/server/server.js';
import { pollUntil } from '../support/processes.js';
import { SseStream } from './sse-client.js';
import { buildTestServer, createGame, type TestServer } from './test-server.js';

const servers: TestServer[] = [];
const streams: SseStream[] = [];

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  for (const server of servers.splice(0)) await server.app.close();
});

async function listening(config: Partial<ServerConfig> = {}) {
  const server = await buildTestServer(config);
  servers.push(server);
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.app.server.address() as AddressInfo;
  const open = async (gameId: string, token: string) => {
    const stream = await SseStream.open(`http://127.0.0.1:${port}/api/games/${gameId}/events?token=${token}`);
    streams.push(stream);
    return stream;
  };
  return { server, port, open };
}

describe('open live-update streams', () => {
  it('are capped per game token: 429 with Retry-After beyond, and a closed stream frees its place', async () => {
    const { server, open } = await listening({ sseMaxStreamsPerToken: 3 });
    const game = await createGame(server.app);
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await open(game.gameId, game.token));
    expect(held.map((s) => s.status)).toEqual([200, 200, 200]);
    const refused = await open(game.gameId, game.token);
    expect(refused.status).toBe(429);
    expect(refused.header('retry-after')).toBe('10');
    expect(JSON.parse(await refused.text())).toMatchObject({ error: { code: 'too_many_streams' } });
    // Another game's token has its own allowance.
    const other = await createGame(server.app);
    expect((await open(other.gameId, other.token)).status).toBe(200);

    held[0]!.close();
    await pollUntil(
      'a place is free again',
      async () => (await open(game.gameId, game.token)).status,
      (status) => status === 200,
      5_000,
      50,
    );
  });

  it('are capped per address across tokens', async () => {
    const { server, open } = await listening({ sseMaxStreamsPerIp: 2 });
    const games = [await createGame(server.app), await createGame(server.app), await createGame(server.app)];
    expect((await open(games[0]!.gameId, games[0]!.token)).status).toBe(200);
    expect((await open(games[1]!.gameId, games[1]!.token)).status).toBe(200);
    expect((await open(games[2]!.gameId, games[2]!.token)).status).toBe(429);
  });
});

describe('request timeouts', () => {
  /** Sends a POST's headers, then its body one byte a second; resolves with what the server did. */
  function trickle(port: number, path: string, token: string): Promise<{ answer: string; afterMs: number }> {
    const started = Date.now();
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let answer = '';
      const body = JSON.stringify({ choiceId: 'v1-talk' });
      let sent = 0;
      const drip = setInterval(() => {
        if (sent < body.length && !socket.destroyed) socket.write(body[sent++]!);
      }, 1_000);
      socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(drip);
        resolve({ answer, afterMs: Date.now() - started });
      });
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
    });
  }

  it('cut a request whose body arrives at 1 byte a second', async () => {
    const { server, port } = await listening({ requestTimeoutMs: 2_000 });
    const game = await createGame(server.app);
    const { answer, afterMs } = await trickle(port, `/api/games/${game.gameId}/choices`, game.token);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    // The timeout plus node's check interval (1 s), with room for a busy machine.
    expect(afterMs).toBeLessThan(8_000);
  }, 20_000);

  it('cut a client that never finishes its headers', async () => {
    const { port } = await listening({ requestTimeoutMs: 2_000, headersTimeoutMs: 1_000 });
    const started = Date.now();
    let answer = '';
    const closedAfter = await new Promise<number>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'));
      socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
      socket.on('error', () => {});
      socket.on('close', () => resolve(Date.now() - started));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfter).toBeLessThan(8_000);
  }, 20_000);
});
