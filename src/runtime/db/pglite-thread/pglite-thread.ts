import { Piscina, queueOptionsSymbol, type TaskQueue } from 'piscina';
import { metrics } from '../../../observability/metrics.js';
import { currentPath, type RuntimePath } from '../../hot-path/hot-path.js';

type Task = Parameters<TaskQueue['push']>[0];
type Lane = RuntimePath;

/**
 * piscina's queue for the database thread: statements issued inside a hot-path request run ahead
 * of the slow path's, so a player's read waits for a few statements at most, however deep the
 * workers' backlog is. Every `hotBurst` hot statements in a row let one waiting slow-path statement
 * through: a strict priority would starve the workers under load and no content would ever land.
 * FIFO within a lane.
 */
export class HotPathFirstQueue implements TaskQueue {
  private readonly lanes: Record<Lane, Task[]> = { hot: [], slow: [] };
  private hotInARow = 0;

  constructor(private readonly hotBurst = 4) {}

  get size(): number {
    return this.lanes.hot.length + this.lanes.slow.length;
  }

  push(task: Task): void {
    this.lanes[laneOf(task)].push(task);
  }

  shift(): Task | null {
    const { hot, slow } = this.lanes;
    if (hot.length > 0 && (slow.length === 0 || this.hotInARow < this.hotBurst)) {
      this.hotInARow++;
      return hot.shift()!;
    }
    this.hotInARow = 0;
    return slow.shift() ?? null;
  }

  remove(task: Task): void {
    const lane = this.lanes[laneOf(task)];
    const index = lane.indexOf(task);
    if (index >= 0) lane.splice(index, 1);
  }
}

const laneOf = (task: Task): Lane => ((task[queueOptionsSymbol] as { lane?: Lane } | null)?.lane === 'hot' ? 'hot' : 'slow');

/** A PostgreSQL error as it crossed the thread: the message and the fields callers look at. */
export class PgliteError extends Error {
  readonly code?: string;
  readonly constraint?: string;
  readonly detail?: string;

  constructor(fields: { message: string; code?: string; constraint?: string; detail?: string }) {
    super(fields.message);
    this.name = 'PgliteError';
    if (fields.code !== undefined) this.code = fields.code;
    if (fields.constraint !== undefined) this.constraint = fields.constraint;
    if (fields.detail !== undefined) this.detail = fields.detail;
  }
}

type Outcome = ({ ok: true; value: unknown } | { ok: false; error: ConstructorParameters<typeof PgliteError>[0] }) & {
  /** How long the task ran on the thread, its wait in the queue excluded. */
  runMs: number;
};

/**
 * One PGlite instance on a worker thread of its own (pglite-worker.mjs), one statement at a time.
 * PGlite has a single session and its WebAssembly runs synchronously: on the request thread each
 * statement would stall every request, and a hot-path read would queue behind the workers' writes.
 */
export class PgliteThread {
  private closing: Promise<void> | undefined;

  private constructor(private readonly pool: Piscina) {}

  /**
   * @param dataDir PGlite's data directory; undefined keeps it in PGlite's own in-memory file system
   * @param options.durable whether a commit waits for its write-ahead log to be flushed (default:
   *   only when `dataDir` is given). PGlite has no WAL writer process: with unflushed commits a crash
   *   loses every commit since the start, so a database whose files are kept must flush.
   */
  static async start(dataDir: string | undefined, options: { durable?: boolean } = {}): Promise<PgliteThread> {
    const durable = options.durable ?? dataDir !== undefined;
    const pool = new Piscina({
      filename: new URL('./pglite-worker.mjs', import.meta.url).href,
      minThreads: 1,
      maxThreads: 1,
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      // The thread keeps PGlite's pending work going between tasks.
      atomics: 'async',
      taskQueue: new HotPathFirstQueue(),
      workerData: { dataDir, durable },
      // Plain JavaScript: no TypeScript loader to inherit from the host.
      execArgv: [],
    });
    const thread = new PgliteThread(pool);
    // Opening PGlite happens on the thread's first task; fail here rather than on the first request.
    await thread.query('select 1', [], 'array');
    return thread;
  }

  query(sql: string, params: unknown[], rowMode: 'array' | 'object'): Promise<unknown[]> {
    const lane = currentPath();
    return this.run({ op: 'query', sql, params, rowMode, [queueOptionsSymbol]: { lane } }, lane) as Promise<unknown[]>;
  }

  async migrate(migrationsFolder: string): Promise<void> {
    await this.run({ op: 'migrate', migrationsFolder });
  }

  /** Closes PGlite cleanly (a data directory must not be left mid-write), then the thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.run({ op: 'close' });
      } finally {
        await this.pool.destroy();
      }
    })();
    return this.closing;
  }

  /** Runs `task` on the thread; a statement (`lane` given) is timed in `nyx_db_statement_run_seconds`. */
  private async run(task: object, lane?: Lane): Promise<unknown> {
    // A destroyed pool would start a fresh thread, and with it an empty database.
    if (this.closing && (task as { op?: string }).op !== 'close') throw new PgliteError({ message: 'the database is closed' });
    const outcome = (await this.pool.run(task)) as Outcome;
    if (lane) metrics.dbStatementRun.observe({ path: lane }, outcome.runMs / 1000);
    if (!outcome.ok) throw new PgliteError(outcome.error);
    return outcome.value;
  }
}
