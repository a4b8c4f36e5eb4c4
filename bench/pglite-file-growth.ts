import { parseArgs } from 'node:util';
import { PgliteThread } from '../src/runtime/db/pglite-thread/pglite-thread.js';
import { ScratchDataDir } from '../src/runtime/db/pglite-thread/scratch-data-dir.js';

/**
 * `npx tsx bench/pglite-file-growth.ts [--seconds S]` (default 20): how long each write runs on the
 * embedded database thread as its tables grow, with the files in PGlite's own in-memory file system
 * (how `:memory:` ran before) and in a scratch folder (how it runs now), one after the other in one
 * run. Each write is a choice's shape: one game's version bumped and four feed rows of about 1 KB
 * inserted, in one statement, as fast as the thread answers, commits not flushed in both. The
 * in-memory file system grows a file by copying it whole into a buffer an eighth larger, so past a
 * few tens of MB some writes stall; the figures to compare are the tail and the count of long ones.
 */
const { values } = parseArgs({ options: { seconds: { type: 'string' } } });
const seconds = Number(values.seconds ?? 20);

interface Figures {
  files: string;
  writes: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  over20: number;
  over50: number;
  feedTable: string;
}

async function measure(files: string, thread: PgliteThread): Promise<Figures> {
  await thread.query('create table feed (id bigserial primary key, game int not null, body text not null)', [], 'array');
  await thread.query('create index on feed (game, id)', [], 'array');
  await thread.query('create table games (id int primary key, version int not null)', [], 'array');
  await thread.query('insert into games select g, 0 from generate_series(1, 200) g', [], 'array');
  const runs: number[] = [];
  const until = Date.now() + seconds * 1000;
  for (let n = 0; Date.now() < until; n++) {
    const startedAt = performance.now();
    await thread.query(
      'with bump as (update games set version = version + 1 where id = $1 returning id) ' +
        'insert into feed (game, body) select id, $2 from bump, generate_series(1, 4)',
      [1 + (n % 200), `${n} ${'x'.repeat(900)}`],
      'array',
    );
    runs.push(performance.now() - startedAt);
  }
  runs.sort((a, b) => a - b);
  const at = (q: number) => runs[Math.floor(q * (runs.length - 1))]!;
  const [size] = (await thread.query(`select pg_size_pretty(pg_total_relation_size('feed')) as size`, [], 'object')) as Array<{
    size: string;
  }>;
  return {
    files,
    writes: runs.length,
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    max: at(1),
    over20: runs.filter((ms) => ms > 20).length,
    over50: runs.filter((ms) => ms > 50).length,
    feedTable: size!.size,
  };
}

const rows: Figures[] = [];
const inMemory = await PgliteThread.start(undefined, { durable: false });
try {
  rows.push(await measure("PGlite's in-memory file system", inMemory));
} finally {
  await inMemory.close();
}
const scratch = ScratchDataDir.create();
try {
  const onFiles = await PgliteThread.start(scratch.path, { durable: false });
  try {
    rows.push(await measure('a scratch folder', onFiles));
  } finally {
    await onFiles.close();
  }
} finally {
  scratch.remove();
}
console.log(`${seconds} s of writes each; times in ms`);
console.log('files                            writes     p50     p99   p99.9     max  >20 ms  >50 ms  feed table');
for (const r of rows) {
  const ms = (v: number) => v.toFixed(2).padStart(7);
  console.log(
    `${r.files.padEnd(31)} ${String(r.writes).padStart(7)} ${ms(r.p50)} ${ms(r.p99)} ${ms(r.p999)} ${ms(r.max)} ${String(r.over20).padStart(7)} ${String(r.over50).padStart(7)}  ${r.feedTable}`,
  );
}
