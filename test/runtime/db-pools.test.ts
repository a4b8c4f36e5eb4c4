import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/runtime/db/database.js';
import { hotPath } from '../../src/runtime/hot-path/hot-path.js';
import { createTestDatabase, describeWithServices } from '../support/services.js';

describeWithServices('PostgreSQL: the hot path has a pool of its own', ['postgres'], () => {
  let db: Database;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    db = await openDatabase({ url: database.url, poolSize: 2 });
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  it('answers a request while the slow path holds every connection of its pool', async () => {
    // Two slow-path statements take both slow connections for two seconds.
    const slow = [1, 2].map(() => db.query(sql`select pg_sleep(2)`));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    const { rows } = await hotPath('test.request', () => db.query<{ ok: number }>(sql`select 1 as ok`));
    const waitedMs = performance.now() - started;
    expect(rows[0]?.ok).toBe(1);
    // Behind the slow statements it would have waited about 1.8 s; a loaded machine gets headroom.
    expect(waitedMs).toBeLessThan(1_200);
    await Promise.all(slow);
  });
});
