import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNyxServer } from '../../src/app/nyx-server.js';
import type { Nyx } from '../../src/app/nyx.js';
import { startTestNyx } from '../support/nyx-harness.js';
import { createTestDatabase, describeWithServices } from '../support/services.js';
import { buildTestServer, createGame } from './test-server.js';

function expectUnavailable(response: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }) {
  expect(response.statusCode).toBe(503);
  expect(response.headers['retry-after']).toBe('5');
  expect(response.json()).toMatchObject({ error: { code: 'unavailable' } });
}

describe('a database outage, as the driver reports it', () => {
  const outages: Array<[string, Error]> = [
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    [
      'a server shutting down (57P01), wrapped by drizzle',
      new Error('Failed query: select …', {
        cause: Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      }),
    ],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
  ];

  it.each(outages)('answers 503 unavailable with Retry-After to %s', async (_name, error) => {
    const { app, api } = await buildTestServer();
    const game = await createGame(app);
    api.getState = async () => {
      throw error;
    };
    expectUnavailable(await app.inject({ method: 'GET', url: `/api/games/${game.gameId}/state`, headers: game.headers }));
    await app.close();
  });

  it('still answers 500 internal to a bug', async () => {
    const { app, api } = await buildTestServer();
    const game = await createGame(app);
    api.getState = async () => {
      throw new TypeError('cannot read properties of undefined');
    };
    const response = await app.inject({ method: 'GET', url: `/api/games/${game.gameId}/state`, headers: game.headers });
    expect(response.statusCode).toBe(500);
    expect(response.headers['retry-after']).toBeUndefined();
    await app.close();
  });
});

/**
 * A TCP relay to PostgreSQL that the test can cut, as a network partition or a stopped server would.
 * Its first `open` takes a free port from the system (a fixed one can collide with an ephemeral
 * client port); opening again after a cut takes the same one, where Nyx's DATABASE_URL points.
 */
class Relay {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

describeWithServices('a database outage on a real PostgreSQL', ['postgres'], () => {
  let nyx: Nyx;
  let stop: () => Promise<void>;
  let relay: Relay;
  let dropDatabase: () => Promise<void>;

  beforeAll(async () => {
    const database = await createTestDatabase();
    dropDatabase = database.drop;
    const target = new URL(database.url);
    relay = new Relay({ host: target.hostname, port: Number(target.port || 5432) });
    await relay.open();
    const relayed = new URL(database.url);
    relayed.hostname = '127.0.0.1';
    relayed.port = String(relay.port);
    ({ nyx, stop } = await startTestNyx('embedded', { DATABASE_URL: relayed.toString() }));
  }, 60_000);

  afterAll(async () => {
    await stop?.();
    await dropDatabase?.();
  });

  it('answers 503 unavailable with Retry-After, not 500 internal', async () => {
    const app = await buildNyxServer(nyx);
    const game = await createGame(app, 'village-well');
    await relay.cut();
    expectUnavailable(await app.inject({ method: 'POST', url: '/api/games', payload: { scenario: 'village-well' } }));
    const choice = await app.inject({
      method: 'POST',
      url: `/api/games/${game.gameId}/choices`,
      headers: game.headers,
      payload: { choiceId: 'x' },
    });
    expect(choice.statusCode).not.toBe(500);
    await app.close();
  }, 60_000);
});
