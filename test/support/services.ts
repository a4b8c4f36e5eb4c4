import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, it } from 'vitest';

/**
 * Distributed-backend tests need real Redis and PostgreSQL (REDIS_URL, DATABASE_URL). In CI they are
 * required: a missing service fails the run. On a laptop without them the suites skip, loudly.
 */
export const inCI = process.env.CI === 'true' || process.env.CI === '1';
export const redisUrl = process.env.REDIS_URL || undefined;
export const databaseUrl = process.env.DATABASE_URL || undefined;

type Service = 'redis' | 'postgres';

const missing = (needs: Service[]) =>
  needs.filter((s) => (s === 'redis' ? !redisUrl : !databaseUrl)).map((s) => (s === 'redis' ? 'REDIS_URL' : 'DATABASE_URL'));

/** `describe` that needs real services; fails in CI and skips loudly elsewhere when they are absent. */
export function describeWithServices(name: string, needs: Service[], body: () => void): void {
  const absent = missing(needs);
  if (absent.length === 0) {
    describe(name, body);
    return;
  }
  if (inCI) {
    describe(name, () => {
      it(`requires ${absent.join(' and ')} in CI`, () => {
        throw new Error(`${name}: ${absent.join(' and ')} not set; distributed tests are required in CI`);
      });
    });
    return;
  }
  console.warn(`\n⚠️  SKIPPED "${name}": set ${absent.join(' and ')} to run it against real services.\n`);
  describe.skip(name, body);
}

/** A key prefix no other test uses, so suites can share one Redis. */
export function uniquePrefix(label = 'test'): string {
  return `nyx-${label}-${randomBytes(4).toString('hex')}:`;
}

/** Creates an empty PostgreSQL database for one suite; `drop()` removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!databaseUrl) throw new Error('DATABASE_URL is not set');
  const name = `nyx_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
