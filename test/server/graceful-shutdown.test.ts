import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { installGracefulShutdown } from '../../src/server/graceful-shutdown.js';
import { SseStream } from './sse-client.js';
import { buildTestServer, createGame } from './test-server.js';

const uninstalls: (() => void)[] = [];
afterEach(() => {
  for (const uninstall of uninstalls.splice(0)) uninstall();
});

async function started() {
  const server = await buildTestServer({ sseHeartbeatMs: 60_000 });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.app.server.address() as AddressInfo;
  const game = await createGame(server.app);
  return { server, game, base: `http://127.0.0.1:${port}` };
}

describe('installGracefulShutdown', () => {
  it('on SIGTERM finishes in-flight requests, ends live streams, then runs onClose and exits 0', async () => {
    const { server, game, base } = await started();
    const steps: string[] = [];
    let exited!: (code: number) => void;
    const exitCode = new Promise<number>((resolve) => (exited = resolve));
    uninstalls.push(
      installGracefulShutdown(server.app, {
        onClose: async () => {
          steps.push(`onClose (server listening: ${server.app.server.listening})`);
        },
        exit: (code) => {
          steps.push(`exit ${code}`);
          exited(code);
        },
      }),
    );

    const stream = await SseStream.open(`${base}/api/games/${game.gameId}/events?token=${game.token}`);
    server.api.stateDelayMs = 300;
    const inFlight = fetch(`${base}/api/games/${game.gameId}/state`, { headers: game.headers });
    // Well inside the 300 ms the request is held, so the signal lands while it is in flight.
    await new Promise((resolve) => setTimeout(resolve, 100));

    process.emit('SIGTERM');
    const streamEnded = (async () => {
      let frame = await stream.next(10_000);
      while (frame !== undefined) frame = await stream.next(10_000);
      steps.push('stream ended');
    })();

    expect(await exitCode).toBe(0);
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { gameId: string }).gameId).toBe(game.gameId);
    await streamEnded;
    expect(steps).toEqual(['stream ended', 'onClose (server listening: false)', 'exit 0']);
  });

  it('exits 1 when onClose fails', async () => {
    const { server } = await started();
    const exit = vi.fn();
    uninstalls.push(installGracefulShutdown(server.app, { onClose: async () => Promise.reject(new Error('db stuck')), exit }));
    process.emit('SIGINT');
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1));
    expect(exit).toHaveBeenCalledTimes(1);
  });

  it('takes a signal repeated at once (Ctrl+C reaching the process twice) as one, and a later one as an order to exit now', async () => {
    const { server } = await started();
    const exit = vi.fn();
    let finishClose!: () => void;
    const closing = new Promise<void>((resolve) => (finishClose = resolve));
    uninstalls.push(installGracefulShutdown(server.app, { onClose: () => closing, echoMs: 200, exit }));
    process.emit('SIGINT');
    process.emit('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(exit).not.toHaveBeenCalled();
    await new Promise((resolve) => setTimeout(resolve, 250));
    process.emit('SIGINT');
    expect(exit).toHaveBeenCalledWith(1);
    finishClose();
  });

  it('exits 1 when shutdown takes longer than the timeout', async () => {
    const { server } = await started();
    const exit = vi.fn();
    uninstalls.push(installGracefulShutdown(server.app, { onClose: () => new Promise<void>(() => {}), timeoutMs: 100, exit }));
    process.emit('SIGTERM');
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1));
  });
});
