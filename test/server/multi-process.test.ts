import http from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pollUntil, spawnNyx, type NyxProcess } from '../support/processes.js';
import { createTestDatabase, describeWithServices, redisUrl } from '../support/services.js';

/**
 * "Placement does not matter", with real processes: two web servers without workers and one worker
 * process share PostgreSQL and Redis. A choice made on server A is written up by the worker, and the
 * content event reaches a stream opened on server B.
 *
 * Requests go over node:http with one connection each (`agent: false`), not fetch: fetch's pool keeps
 * spare sockets open that have never carried a request, and a server's graceful close waits on
 * those until its headers timeout, so the exit-code check would measure the client, not Nyx.
 */

const STEP_MS = 60_000;
const TEST_MS = 120_000;
/** A Redis database number of its own, so FLUSHDB here never touches another suite's keys. */
const REDIS_DB = 11;

interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request on its own connection, closed once answered. */
function request(method: string, url: string, options: { headers?: Record<string, string>; body?: unknown } = {}): Promise<HttpAnswer> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers = { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers };
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers, timeout: STEP_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${STEP_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function json<T>(
  method: string,
  url: string,
  status: number,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<T> {
  const answer = await request(method, url, options);
  if (answer.status !== status) throw new Error(`${method} ${url}: expected ${status}, got ${answer.status}: ${answer.text}`);
  return JSON.parse(answer.text) as T;
}

/** A Server-Sent Events stream on its own connection, parsed into events as they arrive. */
class SseStream {
  readonly events: SseEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly comments: string[] = [];
  private buffer = '';
  private ended = false;

  private constructor(private readonly req: http.ClientRequest) {}

  static open(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
    return new Promise((resolve, reject) => {
      const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream', ...headers } });
      const stream = new SseStream(req);
      req.once('error', (error) => {
        stream.end();
        reject(error);
      });
      req.once('response', (res) => {
        if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/event-stream')) {
          req.destroy();
          reject(new Error(`SSE ${url}: status ${res.statusCode}, content-type ${res.headers['content-type']}`));
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => stream.receive(chunk));
        res.on('close', () => stream.end());
        res.on('error', () => stream.end());
        resolve(stream);
      });
    });
  }

  /** Resolves with what `find` returns once it finds something; rejects after `timeoutMs` or when the stream ends. */
  waitFor<T>(what: string, find: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found !== undefined) return settle(() => resolve(found));
        if (this.ended) settle(() => reject(new Error(`SSE stream ended before ${what}; got ${this.describe()}`)));
      };
      const timer = setTimeout(
        () => settle(() => reject(new Error(`no ${what} within ${timeoutMs} ms; got ${this.describe()}`))),
        timeoutMs,
      );
      const settle = (done: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        done();
      };
      this.waiters.add(check);
      check();
    });
  }

  connected(timeoutMs: number): Promise<true> {
    return this.waitFor('": connected" comment', () => (this.comments.includes('connected') ? true : undefined), timeoutMs);
  }

  close(): void {
    this.req.destroy();
  }

  private describe(): string {
    return JSON.stringify(this.events.map((e) => `${e.event} ${e.data.slice(0, 160)}`));
  }

  private receive(chunk: string): void {
    this.buffer += chunk.replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      this.parse(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end + 2);
    }
    for (const waiter of [...this.waiters]) waiter();
  }

  private end(): void {
    this.ended = true;
    for (const waiter of [...this.waiters]) waiter();
  }

  private parse(block: string): void {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) this.events.push({ event, data: data.join('\n'), ...(id !== undefined ? { id } : {}) });
  }
}

interface ContentItem {
  id: string;
  kind: string;
  status: string;
  origin: string;
  text?: string;
}

interface GameStateBody {
  version: number;
  choices: { id: string; label: string; type: string; targetNpcId?: number }[];
  content: ContentItem[];
}

describeWithServices('multi-process: two web servers and a worker process', ['redis', 'postgres'], () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let sharedRedisUrl = '';
  const processes: NyxProcess[] = [];
  const streams: SseStream[] = [];
  let serverA = '';
  let serverB = '';
  let workerProbes = '';

  const flushRedisDb = async () => {
    const redis = new Redis(sharedRedisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
    try {
      await redis.connect();
      await redis.flushdb();
    } finally {
      redis.disconnect();
    }
  };

  beforeAll(async () => {
    const url = new URL(redisUrl!);
    url.pathname = `/${REDIS_DB}`;
    sharedRedisUrl = url.toString();
    await flushRedisDb();
    database = await createTestDatabase();

    const env = {
      REDIS_URL: sharedRedisUrl,
      DATABASE_URL: database.url,
      LLM_SIM_LATENCY_MS: '200-400',
      LOG_LEVEL: 'warn',
      PORT: '0',
      HOST: '127.0.0.1',
      DISABLE_LLM_IN_HOT_PATH: '1',
    };

    // Migrate once up front, so three processes starting together never race to create the schema.
    const migrate = spawnNyx('migrate', ['migrate'], env);
    processes.push(migrate);
    const migrated = await Promise.race([migrate.exited, new Promise((resolve) => setTimeout(resolve, STEP_MS, 'timeout'))]);
    if (migrated !== 0) throw new Error(`nyx migrate: ${migrated}\n${migrate.output()}`);

    const a = spawnNyx('serve A', ['serve', '--workers', '0'], env);
    const b = spawnNyx('serve B', ['serve', '--workers', '0'], env);
    const worker = spawnNyx('worker', ['worker'], { ...env, WORKER_METRICS_PORT: '0' });
    processes.push(a, b, worker);
    const running = /Nyx is running: (http:\/\/127\.0\.0\.1:\d+)\//;
    const [matchA, matchB, matchWorker] = await Promise.all([
      a.waitForOutput(running, STEP_MS),
      b.waitForOutput(running, STEP_MS),
      worker.waitForOutput(/Nyx worker running: .* metrics (http:\/\/127\.0\.0\.1:\d+)\/metrics/, STEP_MS),
    ]);
    serverA = matchA[1]!;
    serverB = matchB[1]!;
    workerProbes = matchWorker[1]!;
    expect(serverA).not.toBe(serverB);
  }, TEST_MS + STEP_MS);

  afterAll(async () => {
    for (const stream of streams) stream.close();
    await Promise.allSettled(processes.map((p) => p.stop('SIGKILL', 15_000)));
    await Promise.allSettled([database?.drop(), sharedRedisUrl ? flushRedisDb() : undefined]);
  }, TEST_MS);

  it(
    'both web servers are ready',
    async () => {
      for (const server of [serverA, serverB]) {
        const response = await pollUntil(
          `${server}/readyz`,
          () => request('GET', `${server}/readyz`),
          (r) => r.status === 200,
          STEP_MS,
          500,
        );
        expect(response.status).toBe(200);
        const health = await request('GET', `${server}/healthz`);
        expect(health.status).toBe(200);
      }
    },
    TEST_MS,
  );

  it(
    'a choice made on server A is written by the worker and streamed live on server B',
    async () => {
      const created = await json<{ gameId: string; token: string; state: GameStateBody }>('POST', `${serverA}/api/games`, 201, {
        body: { scenario: 'harbour-dock-rights', seed: 5 },
      });
      const { gameId, token } = created;
      const auth = { authorization: `Bearer ${token}` };

      // Server B knows the game from the shared database.
      const onB = await json<GameStateBody>('GET', `${serverB}/api/games/${gameId}/state`, 200, { headers: auth });
      expect(onB.version).toBeGreaterThanOrEqual(created.state.version);

      const stream = await SseStream.open(`${serverB}/api/games/${gameId}/events?token=${encodeURIComponent(token)}`);
      streams.push(stream);
      await stream.connected(STEP_MS);

      // A choice aimed at someone: its target always reacts.
      const confront = created.state.choices.find((c) => c.targetNpcId !== undefined);
      expect(confront, `choices: ${JSON.stringify(created.state.choices)}`).toBeDefined();
      const started = Date.now();
      const chosen = await json<{ outcome: unknown; state: GameStateBody }>('POST', `${serverA}/api/games/${gameId}/choices`, 200, {
        headers: auth,
        body: { choiceId: confront!.id },
      });
      // The hot path answers without waiting for a model (generous bound: a loaded 2-core machine).
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(chosen.outcome).toBeTruthy();
      const dispatched = chosen.state.content.filter((item) => item.kind === 'reaction');
      expect(dispatched.length, `content: ${JSON.stringify(chosen.state.content)}`).toBeGreaterThan(0);
      expect(dispatched.some((item) => item.status === 'generating')).toBe(true);

      // No web process runs workers: only the worker process can write this, and only Redis
      // pub/sub can carry it to server B.
      const landed = await stream.waitFor(
        'ready, generated reaction content event on server B',
        () =>
          stream.events
            .filter((e) => e.event === 'content')
            .map((e) => JSON.parse(e.data) as ContentItem & { gameId: string })
            .find((e) => e.kind === 'reaction' && e.status === 'ready' && e.origin === 'generated'),
        STEP_MS,
      );
      expect(landed.gameId).toBe(gameId);
      expect(dispatched.map((item) => item.id)).toContain(landed.id);
      expect(typeof landed.text === 'string' && landed.text.length > 0).toBe(true);

      // Either server now reads the generated text from the shared store.
      for (const server of [serverA, serverB]) {
        const state = await pollUntil(
          `${server} state shows the reaction ready`,
          () => json<GameStateBody>('GET', `${server}/api/games/${gameId}/state`, 200, { headers: auth }),
          (s) => s.content.some((item) => item.id === landed.id && item.status === 'ready' && item.origin === 'generated'),
          STEP_MS,
          500,
        );
        expect(state.content.find((item) => item.id === landed.id)?.text).toBe(landed.text);
      }
      stream.close();

      // The task and model series are recorded where tasks run: the worker serves them itself.
      const workerMetrics = await request('GET', `${workerProbes}/metrics`);
      expect(workerMetrics.status).toBe(200);
      expect(workerMetrics.text).toMatch(/^nyx_task_completed_total\{task="[^"]+"\} [1-9]/m);
      expect(workerMetrics.text).toMatch(/^nyx_model_calls_total\{[^}]*outcome="ok"[^}]*\} [1-9]/m);
      // Every process reports the one cluster-wide queue, so the same counts appear on web and worker.
      expect(workerMetrics.text).toMatch(/^nyx_queue_jobs\{state="waiting"\} \d+/m);
      expect((await request('GET', `${workerProbes}/healthz`)).status).toBe(200);
      expect((await request('GET', `${workerProbes}/readyz`)).status).toBe(200);
    },
    TEST_MS,
  );

  it(
    'a stream dropped on server A and resumed on server B with Last-Event-ID gets what an always-connected client got',
    async () => {
      const created = await json<{ gameId: string; token: string; state: GameStateBody }>('POST', `${serverA}/api/games`, 201, {
        body: { scenario: 'harbour-dock-rights', seed: 9 },
      });
      const { gameId, token } = created;
      const auth = { authorization: `Bearer ${token}` };
      const eventsPath = `/api/games/${gameId}/events?token=${encodeURIComponent(token)}`;
      const open = async (server: string, headers: Record<string, string> = {}) => {
        const stream = await SseStream.open(`${server}${eventsPath}`, headers);
        streams.push(stream);
        await stream.connected(STEP_MS);
        return stream;
      };
      let state = created.state;
      const choose = async (server: string) => {
        const choice = state.choices[0];
        expect(choice, `no choice left: ${JSON.stringify(state)}`).toBeDefined();
        state = (
          await json<{ state: GameStateBody }>('POST', `${server}/api/games/${gameId}/choices`, 200, {
            headers: auth,
            body: { choiceId: choice!.id },
          })
        ).state;
      };

      const always = await open(serverB);
      const dropped = await open(serverA);
      await choose(serverA);
      await dropped.waitFor('a first event on server A', () => dropped.events[0], STEP_MS);
      dropped.close();
      // Events the dropped client misses: written by the worker while it is away.
      await choose(serverB);
      await always.waitFor('events after the drop', () => (always.events.length > dropped.events.length + 2 ? true : undefined), STEP_MS);
      const lastSeen = dropped.events.at(-1)!.id!;
      const resumed = await open(serverB, { 'last-event-id': lastSeen });
      await choose(serverA);

      // Settled: the always-connected client has had nothing new for three seconds.
      let count = -1;
      await pollUntil(
        'the live updates to settle',
        async () => {
          const settled = always.events.length === count;
          count = always.events.length;
          return settled;
        },
        (settled) => settled,
        STEP_MS,
        3_000,
      );

      const asText = (events: SseEvent[]) => events.map((e) => `${e.id} ${e.event} ${e.data}`);
      const expected = asText(always.events);
      const seenBeforeDrop = expected.indexOf(asText([dropped.events.at(-1)!])[0]!);
      // The game's own start-up jobs may still be announcing while the second stream connects: it
      // joins the same ordered log, from the first event it was sent.
      const firstSeen = expected.indexOf(asText([dropped.events[0]!])[0]!);
      expect(firstSeen).toBeGreaterThanOrEqual(0);
      expect(asText(dropped.events)).toEqual(expected.slice(firstSeen, seenBeforeDrop + 1));
      await resumed.waitFor(
        'every event after Last-Event-ID on server B',
        () => (resumed.events.length >= expected.length - seenBeforeDrop - 1 ? true : undefined),
        STEP_MS,
      );
      expect(asText(resumed.events)).toEqual(expected.slice(seenBeforeDrop + 1));
      expect(expected.length - seenBeforeDrop - 1).toBeGreaterThan(2);
      always.close();
      resumed.close();
    },
    TEST_MS,
  );

  it(
    'every process exits on SIGTERM',
    async () => {
      for (const stream of streams) stream.close();
      const live = processes.filter((p) => p.name !== 'migrate');
      const codes = await Promise.all(live.map((p) => p.stop('SIGTERM', 30_000)));
      for (const [i, code] of codes.entries()) {
        expect(code, `${live[i]!.name} exit:\n${live[i]!.output()}`).toBe(0);
      }
    },
    TEST_MS,
  );
});
