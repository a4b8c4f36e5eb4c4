import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql, type Logger, type SQL } from 'drizzle-orm';
import { drizzle as drizzleNodePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePostgres } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzleProxy } from 'drizzle-orm/pg-proxy';
import pg from 'pg';
import { logger } from '../../observability/logger.js';
import { metrics } from '../../observability/metrics.js';
import { currentPath, currentSlowPathWork, outermostHotPathOperation, type RuntimePath } from '../hot-path/hot-path.js';
import { PgliteThread } from './pglite-thread/pglite-thread.js';
import { ScratchDataDir } from './pglite-thread/scratch-data-dir.js';
/**
 * The drizzle handle both drivers satisfy. It knows no tables: those belong to whoever stores rows
 * (the conflict system's `conflict/store/schema`), so this port stays below them.
 */
export type Orm = PgDatabase<PgQueryResultHKT>;

export interface DatabaseOptions {
  /** A postgres:// URL: PostgreSQL through a node-postgres pool. Absent: embedded PGlite. */
  url?: string;
  /** PGlite's data directory, created if missing. */
  dataDir?: string;
  /** PGlite with nothing kept: its files live in a scratch folder removed by `close()` (see ScratchDataDir). */
  inMemory?: boolean;
  /** Connections in each of the two PostgreSQL pools (hot path, slow path). */
  poolSize?: number;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly orm: Orm;
  /** Applies pending migrations; applying them again is a no-op. */
  migrate(): Promise<void>;
  /** True when the database answers a trivial query. Never throws. */
  ping(): Promise<boolean>;
  /** Runs raw SQL and returns its rows, whichever driver is underneath. */
  query<Row extends Record<string, unknown>>(statement: SQL): Promise<{ rows: Row[] }>;
  close(): Promise<void>;
}

/** The one migrations folder, found next to this module whatever the working directory. */
export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

const log = logger.child({ module: 'db' });

/**
 * Counts every statement drizzle sends, on either driver, in `nyx_db_statements_total`: by path
 * (inside a hot-path operation or not), by the request or the task's job it served (`background`:
 * neither, such as a process's start-up), and by kind. The count is what
 * the hot path's design promises (no statement for an unchanged game, one per write), so tests and
 * the benchmark read it rather than trust it.
 */
export const statementCounter: Logger = {
  logQuery(query: string): void {
    const operation = outermostHotPathOperation();
    const statement = /^\s*(\w+)/.exec(query)?.[1]?.toLowerCase() ?? 'other';
    metrics.dbStatements.inc({
      path: operation === undefined ? 'slow' : 'hot',
      operation: operation ?? currentSlowPathWork() ?? 'background',
      statement,
    });
  },
};

/**
 * Observes how long a statement took from the caller's side, in `nyx_db_statement_duration_seconds`:
 * the queue before the database thread (or a pool's connection) is part of what a request waits.
 */
async function timed<T>(path: RuntimePath, statement: Promise<T>): Promise<T> {
  const startedAt = performance.now();
  try {
    return await statement;
  } finally {
    metrics.dbStatementDuration.observe({ path }, (performance.now() - startedAt) / 1000);
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) return PostgresDatabase.open(options.url, options.poolSize);
  if (options.dataDir) return PgliteDatabase.open(options.dataDir);
  if (options.inMemory) return PgliteDatabase.openScratch();
  throw new Error('openDatabase: give a url (PostgreSQL), a dataDir (PGlite on disk) or inMemory: true');
}

abstract class DrizzleDatabase implements Database {
  abstract readonly kind: 'pglite' | 'postgres';

  constructor(readonly orm: Orm) {}

  abstract migrate(): Promise<void>;
  abstract close(): Promise<void>;

  async query<Row extends Record<string, unknown>>(statement: SQL): Promise<{ rows: Row[] }> {
    // node-postgres returns a QueryResult carrying `rows`; the proxy driver returns the rows.
    const result = (await this.orm.execute(statement)) as unknown as { rows: Row[] } | Row[];
    return { rows: Array.isArray(result) ? result : result.rows };
  }

  async ping(): Promise<boolean> {
    try {
      const { rows } = await this.query<{ ok: number }>(sql`select 1 as ok`);
      return rows[0]?.ok === 1;
    } catch (error) {
      log.warn({ err: error, kind: this.kind }, 'database ping failed');
      return false;
    }
  }
}

/**
 * Embedded PostgreSQL: PGlite on a thread of its own (PgliteThread), reached through drizzle's
 * proxy driver. Statements from the hot path go ahead of the slow path's (see PgliteThread).
 */
export class PgliteDatabase extends DrizzleDatabase {
  readonly kind = 'pglite' as const;

  private constructor(
    private readonly thread: PgliteThread,
    private readonly scratch?: ScratchDataDir,
  ) {
    super(
      drizzleProxy(
        (sql, params, method) =>
          timed(currentPath(), thread.query(sql, params, method === 'all' ? 'array' : 'object')).then((rows) => ({ rows })),
        {
          logger: statementCounter,
        },
      ),
    );
  }

  static async open(dataDir: string): Promise<PgliteDatabase> {
    mkdirSync(dataDir, { recursive: true });
    return new PgliteDatabase(await PgliteThread.start(dataDir));
  }

  /** A database that keeps nothing: its files in a scratch folder, commits not flushed, all removed on close. */
  static async openScratch(): Promise<PgliteDatabase> {
    const scratch = ScratchDataDir.create();
    try {
      return new PgliteDatabase(await PgliteThread.start(scratch.path, { durable: false }), scratch);
    } catch (error) {
      scratch.remove();
      throw error;
    }
  }

  async migrate(): Promise<void> {
    await this.thread.migrate(migrationsFolder);
  }

  async close(): Promise<void> {
    try {
      await this.thread.close();
    } finally {
      this.scratch?.remove();
    }
  }
}

// Any fixed number, shared by every Nyx process migrating the same PostgreSQL database.
const MIGRATION_LOCK_KEY = 0x6e7978;

/**
 * PostgreSQL through two node-postgres pools: statements issued inside a hot-path operation take a
 * connection from the hot pool, the slow path's from its own, so a backlog of workers' statements
 * can hold every slow connection and a player's request still finds one free.
 */
export class PostgresDatabase extends DrizzleDatabase {
  readonly kind = 'postgres' as const;
  #closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly slowPool: pg.Pool,
  ) {
    const byPath = {
      // drizzle calls query(config, params) and awaits the promise; it never passes a callback.
      query: (config: pg.QueryConfig, values?: unknown[]) => {
        const path = currentPath();
        return timed(path, (path === 'hot' ? pool : slowPool).query(config, values));
      },
    };
    super(drizzleNodePostgres({ client: byPath as unknown as pg.Pool, logger: statementCounter }));
  }

  static async open(url: string, poolSize = 10): Promise<PostgresDatabase> {
    const open = (path: 'hot' | 'slow') => {
      const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000 });
      // An idle client losing its connection emits 'error' on the pool, which would crash the process.
      pool.on('error', (error) => log.error({ err: error, path }, 'idle PostgreSQL connection failed'));
      return pool;
    };
    return new PostgresDatabase(open('hot'), open('slow'));
  }

  /**
   * drizzle's migrator takes no lock, so two processes starting together would both create the
   * same tables. A session advisory lock on one dedicated connection serialises them; the second
   * then finds nothing to apply.
   */
  async migrate(): Promise<void> {
    const connection = await this.pool.connect();
    try {
      await connection.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        await migrateNodePostgres(drizzleNodePostgres({ client: connection }), { migrationsFolder });
      } finally {
        await connection.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    } finally {
      connection.release();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.pool.end(), this.slowPool.end()]);
  }
}
