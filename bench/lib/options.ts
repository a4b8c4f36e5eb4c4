import { parseArgs } from 'node:util';

/** Everything a benchmark run is shaped by; `--quick` swaps in a preset that finishes in under a minute. */
export interface BenchOptions {
  players: number;
  /** Blocking mode holds every request for seconds: fewer players keep a full run finite. */
  blockingPlayers: number;
  durationS: number;
  warmupS: number;
  thinkMs: number;
  saturationS: number;
  /** Simulated model latency, `MIN-MAX` milliseconds. */
  latency: string;
  /** Concurrent slow-path jobs (simulated model calls in flight). */
  concurrency: number;
  conflictsPerSecond: number;
  stormTriggers: number;
  distributed: boolean;
  outDir: string;
  quick: boolean;
  /** A single updating stderr line; off when stderr is not a terminal. */
  progress: boolean;
}

export const FULL_DEFAULTS: BenchOptions = {
  players: 200,
  blockingPlayers: 50,
  durationS: 60,
  warmupS: 10,
  thinkMs: 5_000,
  saturationS: 10,
  latency: '2000-5000',
  concurrency: 64,
  conflictsPerSecond: 1,
  stormTriggers: 1_000,
  distributed: false,
  outDir: 'bench-output',
  quick: false,
  progress: process.stderr.isTTY === true,
};

export const QUICK_DEFAULTS: BenchOptions = {
  ...FULL_DEFAULTS,
  players: 20,
  blockingPlayers: 5,
  durationS: 10,
  warmupS: 2,
  thinkMs: 1_000,
  saturationS: 3,
  latency: '200-500',
  concurrency: 32,
  quick: true,
};

export const USAGE = `usage: nyx bench [options]   (npm run bench -- [options])

  --quick               20 players, 10 s, 1 s think time, model 200-500 ms, blocking with 5 players
  --players N           virtual players in async mode (default 200)
  --blocking-players N  virtual players in blocking mode (default 50: each request waits seconds)
  --duration S          measured seconds per mode (default 60)
  --warmup S            unmeasured seconds before it (default 10)
  --think-ms MS         mean think time between a player's turns, ±50 % (default 5000)
  --saturation S        seconds with no think time, for throughput (default 10)
  --latency MIN-MAX     simulated model latency in ms (default 2000-5000)
  --concurrency N       concurrent model calls (slow-path jobs) (default 64)
  --conflicts-per-s R   conflicts created per second across all players (default 1)
  --storm N             concurrent identical triggers in the dispatch storm (default 1000)
  --distributed         Redis + PostgreSQL (REDIS_URL, DATABASE_URL), server and worker processes
  --out DIR             where the JSON and HTML go (default bench-output)
`;

export class BenchUsageError extends Error {}

function positive(name: string, raw: string | undefined, fallback: number, { integer = true, min = 1 } = {}): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new BenchUsageError(`--${name}: expected ${integer ? 'a whole number' : 'a number'} ≥ ${min}, got "${raw}"`);
  }
  return value;
}

export function parseLatency(raw: string): { min: number; max: number } {
  const match = /^(\d+)(?:-(\d+))?$/.exec(raw.trim());
  const min = Number(match?.[1]);
  const max = Number(match?.[2] ?? match?.[1]);
  if (!match || max < min) throw new BenchUsageError(`--latency: expected MIN-MAX milliseconds (e.g. 2000-5000), got "${raw}"`);
  return { min, max };
}

export function parseBenchArgs(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      quick: { type: 'boolean' },
      players: { type: 'string' },
      'blocking-players': { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'think-ms': { type: 'string' },
      saturation: { type: 'string' },
      latency: { type: 'string' },
      concurrency: { type: 'string' },
      'conflicts-per-s': { type: 'string' },
      storm: { type: 'string' },
      distributed: { type: 'boolean' },
      out: { type: 'string' },
    },
  });
  if (values.help) return 'help';
  const base = values.quick ? QUICK_DEFAULTS : FULL_DEFAULTS;
  if (values.latency !== undefined) parseLatency(values.latency);
  const players = positive('players', values.players, base.players);
  return {
    ...base,
    players,
    blockingPlayers: Math.min(players, positive('blocking-players', values['blocking-players'], base.blockingPlayers)),
    durationS: positive('duration', values.duration, base.durationS),
    warmupS: positive('warmup', values.warmup, base.warmupS, { min: 0 }),
    thinkMs: positive('think-ms', values['think-ms'], base.thinkMs, { min: 0 }),
    saturationS: positive('saturation', values.saturation, base.saturationS),
    latency: values.latency ?? base.latency,
    concurrency: positive('concurrency', values.concurrency, base.concurrency),
    conflictsPerSecond: positive('conflicts-per-s', values['conflicts-per-s'], base.conflictsPerSecond, { integer: false, min: 0 }),
    stormTriggers: positive('storm', values.storm, base.stormTriggers),
    distributed: values.distributed ?? false,
    outDir: values.out ?? base.outDir,
  };
}
