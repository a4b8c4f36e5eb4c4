/**
 * `npx tsx bench/embedded-open.ts [--rounds N]` (default 3): what a new embedded database costs to
 * open and migrate, made by PGlite's initdb and loaded from the cluster template, side by side.
 *
 * Each round points XDG_CACHE_HOME at an empty folder of its own, so its first open finds no
 * template (initdb, then the template is saved) and its second loads the one just saved. Both are
 * `openDatabase({ inMemory: true })` then `migrate()`, as `startNyx` does with `NYX_DATA_DIR=:memory:`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/runtime/db/database.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`embedded-open: --rounds: expected a positive integer, got "${values.rounds}"`);
  process.exit(2);
}

/** Milliseconds to open a new in-memory database, and to migrate it. */
async function openAndMigrate(): Promise<{ openMs: number; migrateMs: number }> {
  const startedAt = performance.now();
  const db = await openDatabase({ inMemory: true });
  const openedAt = performance.now();
  await db.migrate();
  const migratedAt = performance.now();
  await db.close();
  return { openMs: openedAt - startedAt, migrateMs: migratedAt - openedAt };
}

const rows: Array<{ round: number; from: string; openMs: number; migrateMs: number }> = [];
for (let round = 1; round <= rounds; round++) {
  const cacheHome = mkdtempSync(join(tmpdir(), 'nyx-open-bench-'));
  // Read by the database thread when it starts: each open below starts a new one.
  process.env.XDG_CACHE_HOME = cacheHome;
  try {
    rows.push({ round, from: 'initdb', ...(await openAndMigrate()) });
    rows.push({ round, from: 'template', ...(await openAndMigrate()) });
  } finally {
    rmSync(cacheHome, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log('round  from      open ms  migrate ms  total ms');
for (const row of rows) {
  const cells = [row.openMs, row.migrateMs, row.openMs + row.migrateMs].map((ms) => ms.toFixed(0).padStart(8));
  console.log(`${String(row.round).padStart(5)}  ${row.from.padEnd(8)} ${cells.join('    ')}`);
}
for (const from of ['initdb', 'template']) {
  const mine = rows.filter((row) => row.from === from);
  console.log(`median ${from}: ${median(mine.map((row) => row.openMs + row.migrateMs)).toFixed(0)} ms to open and migrate`);
}
