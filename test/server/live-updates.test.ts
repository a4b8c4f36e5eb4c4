import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContentEvent } from '../../src/runtime/hub/content-hub.js';
import { EventId } from '../../src/runtime/hub/event-id.js';
import { InProcessHub } from '../../src/runtime/hub/in-process-hub.js';
import type { ServerConfig } from '../../src/server/server.js';
import { SseStream } from './sse-client.js';
import { buildTestServer, createGame, type TestServer } from './test-server.js';

const opened: { server: TestServer; streams: SseStream[] }[] = [];

async function listening(config: Partial<ServerConfig> = {}, hub?: InProcessHub) {
  const server = await buildTestServer(config, hub ? { hub } : {});
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.app.server.address() as AddressInfo;
  const game = await createGame(server.app);
  const context = { server, streams: [] as SseStream[] };
  opened.push(context);
  const eventsUrl = `http://127.0.0.1:${port}/api/games/${game.gameId}/events`;
  const open = async (headers: Record<string, string> = {}, url = `${eventsUrl}?token=${game.token}`) => {
    const stream = await SseStream.open(url, headers);
    context.streams.push(stream);
    return stream;
  };
  const publish = (id: string, kind = 'narration') =>
    server.hub.publish({ gameId: game.gameId, kind, id, status: 'ready', origin: 'generated', text: `text of ${id}` });
  return { server, game, port, eventsUrl, open, publish };
}

afterEach(async () => {
  for (const { server, streams } of opened.splice(0)) {
    for (const stream of streams) stream.close();
    await server.app.close();
  }
});

/** A hub whose replay reads wait until the test releases them. */
class SlowReadHub extends InProcessHub {
  releaseRead = () => {};
  private started = () => {};
  readonly readStarted = new Promise<void>((resolve) => (this.started = resolve));

  override async readAfter(...args: Parameters<InProcessHub['readAfter']>) {
    const logged = await super.readAfter(...args);
    this.started();
    await new Promise<void>((release) => (this.releaseRead = release));
    return logged;
  }
}

const dataOf = (frame: { data?: string }) => JSON.parse(frame.data ?? 'null') as ContentEvent;

describe('live updates (SSE)', () => {
  it('streams a published content event as a `content` event with an id', async () => {
    const { open, publish } = await listening();
    const stream = await open();
    expect(stream.status).toBe(200);
    expect(stream.header('content-type')).toContain('text/event-stream');
    expect(stream.header('x-accel-buffering')).toBe('no');
    expect(stream.header('content-encoding')).toBeUndefined();

    await publish('beat-1', 'beat');
    const frame = await stream.nextEvent();
    expect(frame.event).toBe('content');
    expect(EventId.parse(frame.id ?? '')?.isAfter(EventId.ZERO)).toBe(true);
    expect(dataOf(frame)).toMatchObject({ kind: 'beat', id: 'beat-1', status: 'ready', text: 'text of beat-1' });
  });

  it('names job and state events after their kind, with increasing ids', async () => {
    const { open, publish } = await listening();
    const stream = await open();
    await publish('job-1', 'job');
    await publish('state-1', 'state');
    const job = await stream.nextEvent();
    const state = await stream.nextEvent();
    expect([job.event, state.event]).toEqual(['job', 'state']);
    expect(EventId.parse(state.id!)!.isAfter(EventId.parse(job.id!)!)).toBe(true);
  });

  it('delivers the content event a choice publishes, on a stream opened with the Bearer header', async () => {
    const { server, game, eventsUrl, open } = await listening();
    const stream = await open(game.headers, eventsUrl);
    const choice = await server.app.inject({
      method: 'POST',
      url: `/api/games/${game.gameId}/choices`,
      headers: game.headers,
      payload: { choiceId: 'v1-talk' },
    });
    expect(choice.statusCode).toBe(200);
    const frame = await stream.nextEvent();
    expect(frame.event).toBe('content');
    expect(dataOf(frame)).toMatchObject({ gameId: game.gameId, kind: 'reaction', status: 'generating' });
  });

  it('replays what a client missed when it reconnects with Last-Event-ID', async () => {
    const { open, publish } = await listening();
    const first = await open();
    await publish('seen');
    const seen = await first.nextEvent();
    first.close();

    await publish('missed-1');
    await publish('missed-2');
    const again = await open({ 'last-event-id': seen.id! });
    const replayed = [await again.nextEvent(), await again.nextEvent()];

    expect(replayed.map((frame) => dataOf(frame).id)).toEqual(['missed-1', 'missed-2']);

    await publish('live');
    expect(dataOf(await again.nextEvent()).id).toBe('live');
  });

  it('replays only what the hub log keeps (its last logLength events)', async () => {
    const { open, publish } = await listening({}, new InProcessHub({ logLength: 3 }));
    const first = await open();
    await publish('e0');
    const e0 = await first.nextEvent();
    for (let i = 1; i <= 5; i++) await publish(`e${i}`);
    first.close();

    const again = await open({ 'last-event-id': e0.id! });
    const replayed = [];
    for (let i = 0; i < 3; i++) replayed.push(dataOf(await again.nextEvent()).id);
    expect(replayed).toEqual(['e3', 'e4', 'e5']);
    await publish('after');
    expect(dataOf(await again.nextEvent()).id).toBe('after');
  });

  it('sends events published while a replay is read after the replayed ones, each once', async () => {
    const hub = new SlowReadHub();
    const { open, publish } = await listening({}, hub);
    const first = await open();
    await publish('seen');
    const seen = await first.nextEvent();
    first.close();
    await publish('missed');

    const again = await open({ 'last-event-id': seen.id! });
    await hub.readStarted;
    await publish('during-replay');
    hub.releaseRead();
    await publish('after-replay');

    const frames = [await again.nextEvent(), await again.nextEvent(), await again.nextEvent()];
    expect(frames.map((frame) => dataOf(frame).id)).toEqual(['missed', 'during-replay', 'after-replay']);
    const ids = frames.map((frame) => EventId.parse(frame.id!)!);
    expect(ids[1]!.isAfter(ids[0]!) && ids[2]!.isAfter(ids[1]!)).toBe(true);
  });

  it('ignores a Last-Event-ID that is no event id, streaming new events only', async () => {
    const { open, publish } = await listening();
    await publish('before');
    const stream = await open({ 'last-event-id': 'not-an-id' });
    expect(stream.status).toBe(200);
    await publish('after');
    expect(dataOf(await stream.nextEvent()).id).toBe('after');
  });

  it('sends heartbeat comments', async () => {
    const { open } = await listening({ sseHeartbeatMs: 50 });
    const stream = await open();
    let frame = await stream.next();
    while (frame && !frame.comments.includes('heartbeat')) frame = await stream.next();
    expect(frame?.comments).toContain('heartbeat');
  });

  it('refuses a stream without a valid token, in the JSON error format', async () => {
    const { eventsUrl, open } = await listening();
    const missing = await open({}, eventsUrl);
    expect(missing.status).toBe(401);
    expect(JSON.parse(await missing.text())).toMatchObject({ error: { code: 'unauthorized' } });
    const wrong = await open({}, `${eventsUrl}?token=not-the-token`);
    expect(wrong.status).toBe(403);
    expect(JSON.parse(await wrong.text())).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('ends open streams when the server closes, without hanging', async () => {
    const { server, open } = await listening({ sseHeartbeatMs: 60_000 });
    const streams = [await open(), await open()];
    const started = Date.now();
    await server.app.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const stream of streams) {
      let frame = await stream.next();
      while (frame !== undefined) frame = await stream.next();
    }
  });

  it('drops a client that stops reading once its buffered output passes the bound', async () => {
    const { server, game, port } = await listening({ sseMaxBufferedBytes: 64 * 1024 });
    const request = http.get(`http://127.0.0.1:${port}/api/games/${game.gameId}/events?token=${game.token}`);
    const response = await new Promise<http.IncomingMessage>((resolve) => request.once('response', resolve));
    // A client that never reads: the kernel's socket buffers fill, then the server's own buffer grows.
    response.pause();
    response.once('error', () => {});
    const closed = new Promise<void>((resolve) => response.once('close', () => resolve()));

    const sseClients = async () =>
      ((await server.app.inject({ method: 'GET', url: '/api/ops' })).json() as { sseClients: number }).sseClients;
    expect(await sseClients()).toBe(1);
    const bulky = 'x'.repeat(32 * 1024);
    let published = 0;
    while ((await sseClients()) > 0 && published < 2_000) {
      await server.hub.publish({
        gameId: game.gameId,
        kind: 'narration',
        id: `n${published++}`,
        status: 'ready',
        origin: 'generated',
        text: bulky,
      });
    }
    expect(await sseClients()).toBe(0);
    expect(published).toBeLessThan(2_000);
    // Reading what was sent before the drop ends in the connection's close, not in more events.
    response.resume();
    await closed;
  });
});
