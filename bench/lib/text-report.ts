import type { BenchResult } from './bench-result.js';
import { modelCallsOf } from './bench-result.js';
import { BENCH_PRICES } from './nyx-target.js';
import type { LatencySummary } from './operation-stats.js';

/** The stdout summary: one row per mode × operation, then ratios, slow path, coverage, storm and goals. */
const COLUMNS = [
  'mode',
  'players',
  'operation',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'max ms',
  'req/s',
  'sat. req/s',
  'errors',
  'stale',
  'cut off',
];

const fixed = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

function row(mode: string, players: string, operation: string, s: LatencySummary, saturated: number | undefined): string[] {
  return [
    mode,
    players,
    operation,
    fixed(s.p50),
    fixed(s.p95),
    fixed(s.p99),
    fixed(s.max),
    fixed(s.throughput),
    saturated === undefined ? '—' : fixed(saturated),
    String(s.errors),
    String(s.stale),
    String(s.cutOff),
  ];
}

export function textReport(result: BenchResult): string {
  const rows: string[][] = [];
  for (const mode of [result.modes.async, result.modes.blocking]) {
    for (const [operation, s] of Object.entries(mode.operations)) {
      rows.push(row(mode.mode, String(mode.players), operation, s, operation === 'conflictCreation' ? undefined : s.saturationThroughput));
    }
  }
  rows.push(row('floor', String(result.options.players), 'cache read', result.floor, result.floor.throughput));
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const { async, blocking } = result.modes;
  const breakdown = result.p99Breakdown;
  const lines = [
    `Nyx hot path — ${result.backend}, model ${result.options.latency} ms, ${result.options.concurrency} concurrent model calls, think ${result.options.thinkMs} ms ±50 %, ${result.options.durationS} s measured + ${result.options.saturationS} s saturated`,
    line(COLUMNS),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `blocking p50 / async p50: ${Object.entries(result.ratios.blockingToAsyncP50)
      .map(([op, r]) => `${op} ${r.toFixed(0)}×`)
      .join(', ')}`,
    `async / floor throughput (no think time): ${(result.ratios.asyncToFloorThroughput * 100).toFixed(1)} % (${fixed(async.saturationThroughput)} vs ${fixed(result.floor.throughput)} req/s)`,
    `event-loop delay p99: async ${fixed(async.eventLoopP99Ms)} ms, blocking ${fixed(blocking.eventLoopP99Ms)} ms (${async.eventLoopSource})`,
    `where the async p99 goes: the server's handler p99 is ${fixed(breakdown.handlerMs.stateSync)} ms for a state sync, ` +
      `${fixed(breakdown.handlerMs.playerChoice)} ms for a choice, ${fixed(breakdown.handlerMs.conflictCreation)} ms for a conflict creation; ` +
      `a request's database statement p99 ${fixed(breakdown.hotStatementMs)} ms, its wait for the database included` +
      (breakdown.hotStatementRunMs === null ? '; ' : ` (p99 ${fixed(breakdown.hotStatementRunMs)} ms running on the database thread); `) +
      (breakdown.slowStatementRunMs === null
        ? ''
        : `a slow-path statement, which a hot one arriving meanwhile waits out, runs p99 ${fixed(breakdown.slowStatementRunMs)} ms; `) +
      `the server's event-loop lag p99 over the whole measured phase ${fixed(breakdown.serverEventLoopMs)} ms; ` +
      `the load generator's own event-loop delay p99 ${fixed(breakdown.loadGeneratorEventLoopMs)} ms`,
  ];
  for (const mode of [async, blocking]) {
    const calls = modelCallsOf(mode);
    lines.push(
      `${mode.mode}: model calls ${calls.issued} issued, ${calls.deduplicated} dispatches deduplicated, ${calls.failed} failed; peak queue depth ${Math.max(0, ...mode.queueDepth.map((p) => p.waiting + p.delayed))}`,
    );
  }
  const { coverage, storm, cost, statements, cpu, redis } = result;
  lines.push(
    `database statements (async, whole run): ${statements.perStateSync.toFixed(2)} per state sync, ${statements.perChoice.toFixed(2)} per choice, ` +
      `${statements.perConflictCreation.toFixed(2)} per conflict creation, ${statements.perFinishedJob.toFixed(2)} per finished job`,
    `  per finished job, by task: ${statements.byTask.tasks.map(({ task, jobs, perJob }) => `${task} ${perJob.toFixed(2)} (${jobs})`).join(', ')}; outside any job: ${statements.byTask.outsideJobs}`,
    `CPU (async, whole run): the web server ${cpu.serverMsPerRequest.toFixed(2)} ms per player request` +
      (cpu.workerMsPerFinishedJob === null
        ? ' (its in-process workers included)'
        : `, the worker process ${cpu.workerMsPerFinishedJob.toFixed(2)} ms per finished job`),
  );
  if (redis !== null)
    lines.push(
      `Redis (async, measured phase, every process's commands, each inside a Lua script counted): ${redis.commandsPerRequest.toFixed(1)} commands per player request, ` +
        `${redis.commandsPerPlayerSecond.toFixed(1)} commands and ${redis.cpuMsPerPlayerSecond.toFixed(3)} ms of Redis CPU per player-second`,
    );
  const priced = Object.entries(BENCH_PRICES)
    .map(([model, p]) => `${model} $${p.input} in / $${p.output} out per 1M tokens`)
    .join(', ');
  lines.push(
    `model cost (async, simulated prices: ${priced}): $${cost.perTurnUsd.toFixed(6)} per player turn ($${cost.totalUsd.toFixed(4)} over ${cost.turns} turns, warm-up and saturation included)`,
  );
  lines.push(
    `coverage (async): ${(coverage.lastSeen.share * 100).toFixed(1)} % of ${coverage.lastSeen.items} stakeholder items last seen generated; ` +
      `${(coverage.reactionsByNextSync.share * 100).toFixed(1)} % of ${coverage.reactionsByNextSync.reactions} reactions generated by the next sync; ` +
      `content age p50 ${fixed(coverage.contentAgeMs.p50 / 1000)} s, p95 ${fixed(coverage.contentAgeMs.p95 / 1000)} s when a player first saw it ` +
      `(at write, from the server's histogram: p50 ${result.freshness.writeAgeS.p50?.toFixed(1) ?? '—'} s, p95 ${result.freshness.writeAgeS.p95?.toFixed(1) ?? '—'} s)`,
    `freshness (async, measured phase): goodput ${(result.freshness.goodput * 100).toFixed(1)} % (${result.freshness.modelCallsVisible} visible, ${result.freshness.modelCallsWasted} wasted model calls); ` +
      `reactions by next sync ${(result.freshness.reactionsByNextSync * 100).toFixed(1)} % vs physical bound ${(result.freshness.reactionsBound * 100).toFixed(1)} % ` +
      `(capacity ${fixed(result.freshness.capacityPerS)}/s, demand ${fixed(result.freshness.demandPerS)}/s, P(latency < think) ${(result.freshness.pLatencyUnderThink * 100).toFixed(0)} %); ` +
      `dropped before a call: ${result.freshness.dropped.shed} shed, ${result.freshness.dropped.expired} expired in the queue, ${result.freshness.dropped.superseded} superseded, ${result.freshness.dropped.notVisible} not visible, ${result.freshness.dropped.settled} settled; ${result.freshness.recovered} shed items recovered; ` +
      `written ahead on idle workers: ${result.freshness.writtenAhead.calls} model calls, ${result.freshness.writtenAhead.written} reactions, ${result.freshness.writtenAhead.used} shown at once by a choice`,
    `storm: ${storm.triggers} concurrent syncs of one game → ${storm.modelCalls} bundle model call(s) (${storm.bundleDispatches.deduplicated} deduplicated, ${storm.lockHeld} stopped by the lock), sync p99 ${fixed(storm.latency.p99)} ms`,
  );
  if (blocking.players < async.players)
    lines.push(
      `note: blocking mode ran with ${blocking.players} players (async ${async.players}): each of its requests waits for the model.`,
    );
  lines.push('', 'goals:');
  for (const goal of result.goals) lines.push(`  ${goal.met ? 'met   ' : 'MISSED'}  ${goal.goal}: ${goal.figure}`);
  return lines.join('\n');
}
