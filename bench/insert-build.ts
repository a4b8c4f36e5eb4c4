import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import { PgDialect, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import { castType, insertIfCurrent } from '../src/conflict/store/game-store.js';
import { contentItems, stakeholders } from '../src/conflict/store/schema/index.js';

/**
 * `npx tsx bench/insert-build.ts`: what building a save's `insert … select` costs the request
 * thread, side by side in one run: Nyx's flat run of parameters (`insertIfCurrent`) against the
 * nested `sql` per value it replaced (kept here as the reference). Each is built and rendered the
 * way the driver renders it, for the rows a choice writes: six feed items and three stakeholders.
 * Prints microseconds per statement, and checks that both render the same text and parameters.
 */
function nestedInsert<T extends PgTable>(table: T, rows: Array<Partial<T['$inferInsert']>>): SQL {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const keys = Object.keys(rows[0]!);
  const target = keys.map((key) => columns[key]!);
  const names = sql.join(
    target.map((column) => sql.identifier(column.name)),
    sql`, `,
  );
  const values = sql.join(
    rows.map((row) => {
      const record = row as Record<string, unknown>;
      return sql`(${sql.join(
        target.map((column, i) => sql`${sql.param(record[keys[i]!] ?? null, column)}::${sql.raw(castType(column))}`),
        sql`, `,
      )})`;
    }),
    sql`, `,
  );
  return sql`insert into ${table} (${names}) select * from (values ${values}) as v where exists (select 1 from bump) ${sql``}`;
}

const dialect = new PgDialect();
const items = Array.from({ length: 6 }, (_, i) => ({
  id: `item-${i}`,
  gameId: 'game',
  kind: 'stakeholder_reaction',
  status: 'generating',
  origin: 'fallback',
  text: null,
  fallbackText: 'Mara folds her arms and says nothing, which says a great deal.',
  subject: { stakeholderId: i, eventId: 'event' },
  task: { name: 'stakeholders.generate_reaction', payload: { stakeholderId: i } },
  createdAt: new Date(),
  stateVersion: 7,
  sourceKey: `reaction:${i}`,
}));
const movers = Array.from({ length: 3 }, (_, i) => ({
  id: i + 1,
  gameId: 'game',
  conflictId: 1,
  npcId: i + 1,
  role: 'ally',
  decisionStyle: 'cautious',
  stress: 0.4,
  commitment: 0.6,
}));

const ROUNDS = 20_000;
const cases = [
  { name: '6 feed items', table: contentItems as PgTable, rows: items as Array<Record<string, unknown>> },
  { name: '3 stakeholders', table: stakeholders as PgTable, rows: movers as Array<Record<string, unknown>> },
];
console.log('rows             nested µs   flat µs   nested / flat   same statement');
for (const { name, table, rows } of cases) {
  const nested = dialect.sqlToQuery(nestedInsert(table, rows));
  const flat = dialect.sqlToQuery(insertIfCurrent(table, rows));
  const same = nested.sql === flat.sql && JSON.stringify(nested.params) === JSON.stringify(flat.params);
  const time = (build: () => SQL) => {
    const started = performance.now();
    for (let i = 0; i < ROUNDS; i++) dialect.sqlToQuery(build());
    return ((performance.now() - started) / ROUNDS) * 1000;
  };
  // Warm both up, then time them alternately so a change in the machine's speed hits both.
  time(() => nestedInsert(table, rows));
  time(() => insertIfCurrent(table, rows));
  let nestedUs = 0;
  let flatUs = 0;
  for (let round = 0; round < 3; round++) {
    nestedUs += time(() => nestedInsert(table, rows)) / 3;
    flatUs += time(() => insertIfCurrent(table, rows)) / 3;
  }
  console.log(
    `${name.padEnd(16)} ${nestedUs.toFixed(1).padStart(9)} ${flatUs.toFixed(1).padStart(9)} ${(nestedUs / flatUs).toFixed(2).padStart(14)}×   ${same ? 'yes' : 'NO'}`,
  );
}
