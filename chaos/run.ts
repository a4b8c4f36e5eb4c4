/**
 * `npm run chaos`: the fault suite. Starts its own Redis and PostgreSQL on ports of its own, two
 * web processes and one worker, runs each experiment on them, and prints one table row per
 * experiment: requests, 5xx (and how many of them were 500s), lost acknowledged writes,
 * duplicates, items still `generating` CHAOS_SETTLE_S after the last recovery, recovery time.
 *
 * Goals: 0 lost acknowledged writes, 0 duplicates, 0 hot-path 5xx outside a database outage,
 * 0 stuck items, recovery within 5 s of a service's return. Exit code 1 when a goal is missed.
 *
 * Environment: CHAOS_BASE_PORT (default 42680; and the next 3), CHAOS_SETTLE_S (60), CHAOS_ONLY
 * (run only the experiments whose name contains it).
 * Needs redis-server and PostgreSQL's initdb/pg_ctl (found under /usr/lib/postgresql/<v>/bin);
 * run as root it runs PostgreSQL as the `postgres` user.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chownSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const BASE_PORT = Number(process.env.CHAOS_BASE_PORT ?? 42680);
const REDIS_PORT = BASE_PORT;
const PG_PORT = BASE_PORT + 1;
const WEB_PORTS = [BASE_PORT + 2, BASE_PORT + 3] as const;
const SETTLE_S = Number(process.env.CHAOS_SETTLE_S ?? 60);
const SCENARIO = 'village-well';
const REQUEST_TIMEOUT_MS = 15_000;
const RECOVERY_GOAL_S = 5;

// ---------------------------------------------------------------------------------------------
// Services and processes

function pgBin(name: string): string {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort().reverse() : [];
  for (const version of versions) {
    const path = `/usr/lib/postgresql/${version}/bin/${name}`;
    if (existsSync(path)) return path;
  }
  return name;
}

const asRoot = process.getuid?.() === 0;
/** PostgreSQL refuses to run as root: as root, its commands run as `postgres`. */
function pgCommand(name: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', pgBin(name), ...args]] : [pgBin(name), args];
}

function runOrThrow(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
}

class Postgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'nyx-chaos-pg-'));
  readonly url = `postgres://postgres@127.0.0.1:${PG_PORT}/postgres`;

  init(): void {
    if (asRoot)
      chownSync(
        this.dir,
        Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()),
        Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()),
      );
    runOrThrow(...pgCommand('initdb', ['-D', join(this.dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']));
  }

  start(): void {
    const options = `-p ${PG_PORT} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    runOrThrow(...pgCommand('pg_ctl', ['-D', join(this.dir, 'data'), '-o', options, '-l', join(this.dir, 'log'), '-w', 'start']));
  }

  stop(): void {
    runOrThrow(...pgCommand('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

class RedisServer {
  private child: ChildProcess | undefined;
  readonly url = `redis://127.0.0.1:${REDIS_PORT}`;

  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await until(
      'redis up',
      async () => spawnSync('redis-cli', ['-p', String(REDIS_PORT), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG',
      10_000,
    );
  }

  /** SIGKILL: the data goes with it, as in a crash of a Redis without persistence. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }
}

class NyxProcess {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(
    readonly name: string,
    private readonly args: string[],
    private readonly env: Record<string, string>,
  ) {}

  async start(ready: RegExp): Promise<void> {
    this.output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...this.args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    await until(
      `${this.name} ready`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${this.name} exited ${child.exitCode}:\n${this.output}`);
        return ready.test(this.output);
      },
      180_000,
    );
  }

  /** Undefined while running; else how it ended and its last output lines. */
  exitReport(): string | undefined {
    const child = this.child;
    if (!child || (child.exitCode === null && child.signalCode === null)) return undefined;
    return `${this.name} exited (${child.exitCode ?? child.signalCode}): ${this.output.trim().split('\n').slice(-12).join(' | ').slice(0, 1500)}`;
  }

  async signal(signal: NodeJS.Signals, timeoutMs = 20_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timedOut = await Promise.race([gone.then(() => false), sleep(timeoutMs).then(() => true)]);
    if (timedOut) {
      child.kill('SIGKILL');
      await gone;
    }
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      if (await check()) return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// The client, counting what each experiment sees

interface Tally {
  requests: number;
  fiveXx: number;
  internal: number;
  lost: number;
  duplicates: number;
  stuck: number;
  recoveryS: number | undefined;
  games: Set<string>;
  notes: string[];
}

const newTally = (): Tally => ({
  requests: 0,
  fiveXx: 0,
  internal: 0,
  lost: 0,
  duplicates: 0,
  stuck: 0,
  recoveryS: undefined,
  games: new Set(),
  notes: [],
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read loosely: the suite checks a few fields and counts the rest as failures.
  body: any;
}

function call(
  tally: Tally | undefined,
  port: number,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; key?: string } = {},
): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = {};
  if (payload !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.key) headers['idempotency-key'] = options.key;
  return new Promise((resolve) => {
    const count = (answer: Answer) => {
      if (tally) {
        tally.requests++;
        if (answer.status >= 500 || answer.status === 0) tally.fiveXx++;
        if (answer.status === 500) tally.internal++;
      }
      resolve(answer);
    };
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: kept as text
        }
        count({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    // A refused or cut connection is a failed request, counted with the 5xx.
    req.on('error', () => count({ status: 0, headers: {}, body: undefined }));
    req.end(payload);
  });
}

interface Game {
  gameId: string;
  token: string;
}

async function newGame(tally: Tally, port: number): Promise<Game> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const answer = await call(tally, port, 'POST', '/api/games', { body: { scenario: SCENARIO } });
    if (answer.status === 201) {
      tally.games.add(answer.body.gameId);
      return { gameId: answer.body.gameId, token: answer.body.token };
    }
    await sleep(500);
  }
  throw new Error('cannot create a game');
}

const state = (tally: Tally | undefined, port: number, game: Game) =>
  call(tally, port, 'GET', `/api/games/${game.gameId}/state`, { token: game.token });

/** Makes the first choice on offer; the answer (200, or 409 when another choice got there first). */
async function choose(tally: Tally, port: number, game: Game, key?: string): Promise<Answer> {
  const current = await state(tally, port, game);
  const choiceId = current.body?.choices?.[0]?.id;
  if (current.status !== 200 || !choiceId) return current;
  return call(tally, port, 'POST', `/api/games/${game.gameId}/choices`, { token: game.token, body: { choiceId }, ...(key ? { key } : {}) });
}

/**
 * Plays `games` on both web processes until `stop` resolves, remembering the highest version each
 * acknowledged choice returned: a later state below it is an acknowledged write lost.
 */
async function playUntil(tally: Tally, games: Game[], stop: Promise<unknown>, acknowledged: Map<string, number>): Promise<void> {
  let done = false;
  void stop.then(() => (done = true));
  await Promise.all(
    games.map(async (game, i) => {
      for (let turn = 0; !done; turn++) {
        const answer = await choose(tally, WEB_PORTS[(i + turn) % 2]!, game);
        const version = answer.body?.state?.version;
        if (answer.status === 200 && typeof version === 'number')
          acknowledged.set(game.gameId, Math.max(version, acknowledged.get(game.gameId) ?? 0));
        await sleep(100);
      }
    }),
  );
}

async function countLost(tally: Tally, games: Game[], acknowledged: Map<string, number>): Promise<void> {
  for (const game of games) {
    const expected = acknowledged.get(game.gameId);
    if (expected === undefined) continue;
    for (const port of WEB_PORTS) {
      const seen = await state(undefined, port, game);
      if (seen.status === 200 && seen.body.version < expected) tally.lost++;
    }
  }
}

/** Seconds from now until a choice succeeds on both web processes. */
async function recoveryAfter(tally: Tally, game: Game): Promise<number> {
  const started = Date.now();
  for (const port of WEB_PORTS) {
    await until('recovery', async () => (await choose(tally, port, game)).status === 200, 120_000, 100);
  }
  return (Date.now() - started) / 1000;
}

// ---------------------------------------------------------------------------------------------
// Experiments

interface Cluster {
  redis: RedisServer;
  postgres: Postgres;
  worker: NyxProcess;
  workerReady: RegExp;
}

type Experiment = (tally: Tally, cluster: Cluster) => Promise<void>;

/** A conflict created on A while B serves choices must be on both, and resolve once. */
const createWhileServing: Experiment = async (tally) => {
  for (let round = 0; round < 5; round++) {
    const game = await newGame(tally, WEB_PORTS[0]);
    const opening = await state(tally, WEB_PORTS[0], game);
    const npcIds = (opening.body.scene.npcs as Array<{ id: number }>).slice(0, 2).map((npc) => npc.id);
    let serving = true;
    const served = (async () => {
      while (serving) {
        await choose(tally, WEB_PORTS[1], game);
        await sleep(50);
      }
    })();
    await sleep(300);
    const created = await call(tally, WEB_PORTS[0], 'POST', `/api/games/${game.gameId}/conflicts`, {
      token: game.token,
      body: { type: 'feud', npcIds, title: `Chaos ${round}` },
    });
    await sleep(1_000);
    serving = false;
    await served;
    if (created.status !== 201) {
      tally.notes.push(`create answered ${created.status}`);
      continue;
    }
    const conflictId = created.body.conflict.id as number;
    for (const port of WEB_PORTS) {
      const seen = await state(tally, port, game);
      if (!(seen.body?.conflicts ?? []).some((c: { id: number }) => c.id === conflictId)) tally.lost++;
    }
    const resolves = await Promise.all(
      WEB_PORTS.map((port) =>
        call(tally, port, 'POST', `/api/games/${game.gameId}/conflicts/${conflictId}/resolve`, {
          token: game.token,
          body: { outcome: 'settled' },
        }),
      ),
    );
    const applied = resolves.filter((r) => r.status === 200).length;
    if (applied === 0) tally.lost++;
    tally.duplicates += Math.max(0, applied - 1);
  }
};

/** 50 identical choice POSTs at once over both web processes, with one key, then without one. */
const duplicateChoices =
  (withKey: boolean): Experiment =>
  async (tally) => {
    for (let round = 0; round < 3; round++) {
      const game = await newGame(tally, WEB_PORTS[0]);
      const opening = await state(tally, WEB_PORTS[0], game);
      const choiceId = opening.body.choices[0].id as string;
      const key = withKey ? `chaos-${round}-${Date.now()}` : undefined;
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          call(tally, WEB_PORTS[i % 2]!, 'POST', `/api/games/${game.gameId}/choices`, {
            token: game.token,
            body: { choiceId },
            ...(key ? { key } : {}),
          }),
        ),
      );
      const applied = answers.filter((a) => a.status === 200 && a.headers['idempotent-replayed'] !== 'true').length;
      tally.duplicates += Math.max(0, applied - 1);
      if (applied === 0) tally.notes.push(`round ${round}: no answer applied`);
    }
  };

/** Kills Redis (its data goes too) under load, brings it back after 3 s. */
const redisKill: Experiment = async (tally, { redis }) => {
  const games = [await newGame(tally, WEB_PORTS[0]), await newGame(tally, WEB_PORTS[1]), await newGame(tally, WEB_PORTS[0])];
  const acknowledged = new Map<string, number>();
  let stop!: () => void;
  const load = playUntil(tally, games, new Promise<void>((resolve) => (stop = resolve)), acknowledged);
  await sleep(2_000);
  await redis.kill();
  await sleep(3_000);
  await redis.start();
  tally.recoveryS = await recoveryAfter(tally, games[0]!);
  await sleep(2_000);
  stop();
  await load;
  await countLost(tally, games, acknowledged);
};

/** SIGKILLs the worker while choices dispatch jobs, restarts it 2 s later. */
const workerKill: Experiment = async (tally, { worker, workerReady }) => {
  const games = [await newGame(tally, WEB_PORTS[0]), await newGame(tally, WEB_PORTS[1])];
  const acknowledged = new Map<string, number>();
  let stop!: () => void;
  const load = playUntil(tally, games, new Promise<void>((resolve) => (stop = resolve)), acknowledged);
  await sleep(2_000);
  await worker.signal('SIGKILL');
  await sleep(2_000);
  await worker.start(workerReady);
  // Recovery: from the worker's return (not counting its own start-up) until a new choice's content is written.
  const restarted = Date.now();
  const probe = games[0]!;
  const before = await state(tally, WEB_PORTS[0], probe);
  const known = new Set((before.body?.content ?? []).map((item: { id: string }) => item.id));
  await choose(tally, WEB_PORTS[0], probe);
  await until(
    'content written after the worker returned',
    async () => {
      const now = await state(tally, WEB_PORTS[1], probe);
      const fresh = (now.body?.content ?? []).filter((item: { id: string }) => !known.has(item.id));
      return fresh.length > 0 && fresh.every((item: { status: string }) => item.status !== 'generating');
    },
    120_000,
    200,
  );
  tally.recoveryS = (Date.now() - restarted) / 1000;
  stop();
  await load;
  await countLost(tally, games, acknowledged);
};

/** Stops PostgreSQL (fast shutdown) under load and starts it again after 3 s. */
const databaseRestart: Experiment = async (tally, { postgres }) => {
  const games = [await newGame(tally, WEB_PORTS[0]), await newGame(tally, WEB_PORTS[1])];
  const acknowledged = new Map<string, number>();
  let stop!: () => void;
  const load = playUntil(tally, games, new Promise<void>((resolve) => (stop = resolve)), acknowledged);
  await sleep(2_000);
  postgres.stop();
  await sleep(3_000);
  postgres.start();
  tally.recoveryS = await recoveryAfter(tally, games[0]!);
  await sleep(2_000);
  stop();
  await load;
  await countLost(tally, games, acknowledged);
};

/**
 * `repeatsApply`: identical requests sent without an Idempotency-Key are separate requests by
 * definition (the server cannot tell a double click from a deliberate repeat), so each one that
 * answers 200 is applied once; the row reports how many, and its goal leaves them out.
 */
const EXPERIMENTS: Array<{ name: string; run: Experiment; outage?: boolean; repeatsApply?: boolean }> = [
  { name: 'create conflict on A while B serves, resolve', run: createWhileServing },
  { name: '50 duplicate choices, one Idempotency-Key', run: duplicateChoices(true) },
  { name: '50 duplicate choices, no key', run: duplicateChoices(false), repeatsApply: true },
  { name: 'Redis SIGKILL + restart (data lost)', run: redisKill },
  { name: 'worker SIGKILL + restart', run: workerKill },
  { name: 'PostgreSQL restart', run: databaseRestart, outage: true },
];

// ---------------------------------------------------------------------------------------------

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function printTable(rows: Array<{ name: string; tally: Tally; outage?: boolean; repeatsApply?: boolean }>): boolean {
  const header = ['experiment', 'requests', '5xx', '500', 'lost acked', 'duplicates', 'stuck', 'recovery s', 'goals'];
  const widths = [46, 9, 6, 5, 11, 11, 6, 11, 5];
  let allMet = true;
  console.log(header.map((h, i) => pad(h, widths[i]!)).join(' '));
  for (const { name, tally, outage, repeatsApply } of rows) {
    const met =
      tally.lost === 0 &&
      (repeatsApply || tally.duplicates === 0) &&
      tally.stuck === 0 &&
      (outage ? tally.internal === 0 : tally.fiveXx === 0) &&
      (tally.recoveryS === undefined || tally.recoveryS <= RECOVERY_GOAL_S);
    allMet &&= met;
    const cells = [
      name,
      String(tally.requests),
      String(tally.fiveXx),
      String(tally.internal),
      String(tally.lost),
      repeatsApply ? `(${tally.duplicates})` : String(tally.duplicates),
      String(tally.stuck),
      tally.recoveryS === undefined ? '-' : tally.recoveryS.toFixed(1),
      met ? 'met' : 'MISS',
    ];
    console.log(cells.map((c, i) => pad(c, widths[i]!)).join(' '));
    for (const note of tally.notes.slice(0, 5)) console.log(`    note: ${note}`);
  }
  return allMet;
}

async function main(): Promise<number> {
  const postgres = new Postgres();
  const redis = new RedisServer();
  const processes: NyxProcess[] = [];
  try {
    console.log(`chaos: PostgreSQL on ${PG_PORT}, Redis on ${REDIS_PORT}, web on ${WEB_PORTS.join(' and ')}`);
    postgres.init();
    postgres.start();
    await redis.start();
    const env = {
      REDIS_URL: redis.url,
      DATABASE_URL: postgres.url,
      LOG_LEVEL: 'error',
      LLM_SIM_LATENCY_MS: '100-400',
      TASK_BACKOFF_MS: '500',
      DISABLE_LLM_IN_HOT_PATH: '1',
      RATE_LIMIT_PER_MINUTE: '100000',
      DEPENDENCY_WAIT_S: '30',
    };
    const webReady = /Nyx is running/;
    const workerReady = /Nyx worker running/;
    const webs = WEB_PORTS.map((port, i) => new NyxProcess(`web ${'AB'[i]}`, ['serve', '--workers', '0', '--port', String(port)], env));
    const worker = new NyxProcess('worker', ['worker'], env);
    processes.push(...webs, worker);
    // One first, so the migrations run once before the others start.
    await webs[0]!.start(webReady);
    await Promise.all([webs[1]!.start(webReady), worker.start(workerReady)]);

    const cluster: Cluster = { redis, postgres, worker, workerReady };
    const rows: Array<{ name: string; tally: Tally; outage?: boolean; repeatsApply?: boolean }> = [];
    const only = process.env.CHAOS_ONLY;
    for (const experiment of EXPERIMENTS.filter((e) => only === undefined || e.name.includes(only))) {
      const tally = newTally();
      const started = Date.now();
      try {
        await experiment.run(tally, cluster);
      } catch (error) {
        tally.notes.push(`aborted: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
      for (const nyx of processes) {
        const report = nyx.exitReport();
        if (report) tally.notes.push(report);
      }
      console.log(`chaos: ${experiment.name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      rows.push({
        name: experiment.name,
        tally,
        ...(experiment.outage ? { outage: true } : {}),
        ...(experiment.repeatsApply ? { repeatsApply: true } : {}),
      });
    }

    console.log(`chaos: waiting ${SETTLE_S} s, then counting items still generating`);
    await sleep(SETTLE_S * 1000);
    const stuck = spawnSync(
      'psql',
      [postgres.url, '-At', '-c', "select game_id, count(*) from content_items where status = 'generating' group by game_id"],
      { encoding: 'utf8' },
    );
    const stuckByGame = new Map<string, number>();
    if (stuck.status === 0) {
      for (const line of stuck.stdout.trim().split('\n').filter(Boolean)) {
        const [gameId, count] = line.split('|');
        stuckByGame.set(gameId!, Number(count));
      }
    } else {
      console.log(`chaos: cannot count stuck items: ${stuck.stderr.trim()}`);
    }
    for (const { tally } of rows) for (const gameId of tally.games) tally.stuck += stuckByGame.get(gameId) ?? 0;

    console.log('');
    const met = printTable(rows);
    console.log('\n(5xx: answers ≥ 500 and failed connections; 500: `internal` answers, never expected.)');
    return met ? 0 : 1;
  } finally {
    await Promise.all(processes.map((p) => p.signal('SIGTERM')));
    await redis.kill();
    try {
      postgres.stop();
    } catch {
      // already stopped
    }
    postgres.remove();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chaos: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
