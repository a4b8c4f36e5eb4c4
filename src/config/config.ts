import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Thrown when the environment holds a value Nyx cannot use; its message names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
    readonly received: string | undefined,
  ) {
    super(`${variable}: expected ${expected}, got ${received === undefined ? 'nothing' : JSON.stringify(received)}`);
    this.name = 'ConfigError';
  }
}

const flag = (name: string, fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
      if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
      ctx.addIssue({ code: 'custom', message: `${name}|0 or 1` });
      return z.NEVER;
    });

const integer = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `${name}|an integer from ${min} to ${max}` });
        return z.NEVER;
      }
      return value;
    });

const ratio = (name: string, fallback: number) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      const value = Number(raw);
      if (!Number.isFinite(value) || value < 0 || value > 1) {
        ctx.addIssue({ code: 'custom', message: `${name}|a number from 0 to 1` });
        return z.NEVER;
      }
      return value;
    });

const url = (name: string, protocols: string[]) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined;
      try {
        const parsed = new URL(raw);
        if (protocols.includes(parsed.protocol)) return raw;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: `${name}|a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` });
      return z.NEVER;
    });

const oneOf = <T extends string>(name: string, values: readonly T[], fallback: T | undefined) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      if ((values as readonly string[]).includes(raw)) return raw as T;
      ctx.addIssue({ code: 'custom', message: `${name}|one of ${values.join(', ')}` });
      return z.NEVER;
    });

/** `"300-1500"` or `"2000"` (milliseconds) → an inclusive range. */
const latencyRange = (name: string) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined;
      const match = /^(\d+)(?:-(\d+))?$/.exec(raw.trim());
      const min = match ? Number(match[1]) : NaN;
      const max = match ? Number(match[2] ?? match[1]) : NaN;
      if (!match || max < min) {
        ctx.addIssue({ code: 'custom', message: `${name}|milliseconds as N or MIN-MAX (e.g. 2000-5000)` });
        return z.NEVER;
      }
      return { min, max };
    });

/** A non-negative amount of US dollars; absent means "no limit". */
const dollars = (name: string) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined;
      const value = Number(raw);
      if (!Number.isFinite(value) || value < 0) {
        ctx.addIssue({ code: 'custom', message: `${name}|a number of US dollars, 0 or more` });
        return z.NEVER;
      }
      return value;
    });

/** US dollars per million tokens, for the prompt and for the output. */
export interface ModelPrice {
  input: number;
  output: number;
}

const priceTable = z.record(z.string().min(1), z.strictObject({ input: z.number().nonnegative(), output: z.number().nonnegative() }));

/** `LLM_PRICES`: inline JSON (`{"model": {"input": 0.15, "output": 0.6}}`) or the path of a JSON file holding it. */
const prices = (name: string) =>
  z
    .string()
    .optional()
    .transform((raw, ctx): Record<string, ModelPrice> => {
      if (raw === undefined || raw.trim() === '') return {};
      const inline = raw.trim().startsWith('{');
      let text = raw;
      if (!inline) {
        try {
          text = readFileSync(raw, 'utf8');
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `${name}|inline JSON or a readable JSON file (${(error as Error).message})` });
          return z.NEVER;
        }
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `${name}|JSON${inline ? '' : ` in ${raw}`} (${(error as Error).message})` });
        return z.NEVER;
      }
      const table = priceTable.safeParse(parsed);
      if (!table.success) {
        const issue = table.error.issues[0]!;
        ctx.addIssue({
          code: 'custom',
          message: `${name}|{"<model>": {"input": <USD per 1M tokens>, "output": <USD per 1M tokens>}}; at ${issue.path.join('.') || 'the top'}: ${issue.message}`,
        });
        return z.NEVER;
      }
      return table.data;
    });

const faults = ['timeout', '429', '5xx', 'garbage'] as const;
export type SimulatedFault = (typeof faults)[number];

const faultList = (name: string) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return [...faults];
      const parts = raw.split(',').map((p) => p.trim());
      const unknown = parts.filter((p) => !(faults as readonly string[]).includes(p));
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `${name}|a comma-separated list of ${faults.join(', ')}` });
        return z.NEVER;
      }
      return parts as SimulatedFault[];
    });

const schema = z.object({
  NODE_ENV: z.string().optional(),
  LOG_LEVEL: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  PORT: integer('PORT', 3000, 0, 65535),
  HOST: z
    .string()
    .optional()
    .transform((v) => v || '127.0.0.1'),
  WORKER_METRICS_PORT: integer('WORKER_METRICS_PORT', 9464, 0, 65535),
  REDIS_URL: url('REDIS_URL', ['redis:', 'rediss:']),
  DATABASE_URL: url('DATABASE_URL', ['postgres:', 'postgresql:']),
  OTEL_EXPORTER_OTLP_ENDPOINT: url('OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']),
  DEPENDENCY_WAIT_S: integer('DEPENDENCY_WAIT_S', 0, 0, 3600),
  NYX_DATA_DIR: z
    .string()
    .optional()
    .transform((v) => v || '.nyx-data'),
  NYX_HOT_PATH: oneOf('NYX_HOT_PATH', ['async', 'blocking'] as const, 'async'),
  HOT_PATH_ENFORCE_MS: integer('HOT_PATH_ENFORCE_MS', 200, 1),
  HOT_PATH_WAIT_MS: integer('HOT_PATH_WAIT_MS', 0, 0),
  HOT_PATH_STRICT: flag('HOT_PATH_STRICT', false),
  HOT_PATH_BLOCK_MS: integer('HOT_PATH_BLOCK_MS', 100, 1),
  SYNC_TICK_MS: integer('SYNC_TICK_MS', 1000, 0, 60_000),
  DISABLE_LLM_IN_HOT_PATH: flag('DISABLE_LLM_IN_HOT_PATH', false),
  QUEUE_CONCURRENCY: integer('QUEUE_CONCURRENCY', 8, 1, 1000),
  TASK_ATTEMPTS: integer('TASK_ATTEMPTS', 3, 1, 20),
  TASK_BACKOFF_MS: integer('TASK_BACKOFF_MS', 10_000, 0),
  TASK_BACKOFF_FACTOR: integer('TASK_BACKOFF_FACTOR', 3, 1, 10),
  IDEMPOTENCY_TTL_S: integer('IDEMPOTENCY_TTL_S', 3600, 1),
  SLOW_PATH_HORIZON_MS: integer('SLOW_PATH_HORIZON_MS', 3_000, 100),
  ANTICIPATE_REACTIONS: flag('ANTICIPATE_REACTIONS', false),
  ONE_CALL_PER_TURN: flag('ONE_CALL_PER_TURN', true),
  DEGRADE_FAILURE_RATE: ratio('DEGRADE_FAILURE_RATE', 0.5),
  RATE_LIMIT_PER_MINUTE: integer('RATE_LIMIT_PER_MINUTE', 600, 1),
  LLM_PROVIDER: oneOf('LLM_PROVIDER', ['offline', 'openai-compatible', 'replay', 'llama-cpp'] as const, undefined),
  LLM_BASE_URL: url('LLM_BASE_URL', ['http:', 'https:']),
  LLM_API_KEY: z.string().optional(),
  LLM_MODEL: z.string().optional(),
  LLM_TIMEOUT_MS: integer('LLM_TIMEOUT_MS', 30_000, 1),
  LLM_MODEL_PATH: z
    .string()
    .optional()
    .transform((v) => v || undefined),
  LLM_SEQUENCES: integer('LLM_SEQUENCES', 2, 1, 64),
  LLM_GPU: oneOf('LLM_GPU', ['auto', 'off'] as const, 'auto'),
  LLM_THREADS: integer('LLM_THREADS', 0, 0, 1024),
  LLM_SIM_LATENCY_MS: latencyRange('LLM_SIM_LATENCY_MS'),
  LLM_SIM_FAIL_RATE: ratio('LLM_SIM_FAIL_RATE', 0),
  LLM_SIM_FAULTS: faultList('LLM_SIM_FAULTS'),
  LLM_SIM_OUTPUT_CHARS: integer('LLM_SIM_OUTPUT_CHARS', 0, 0),
  LLM_PRICES: prices('LLM_PRICES'),
  GAME_BUDGET_USD: dollars('GAME_BUDGET_USD'),
  LLM_BUDGET_USD_PER_HOUR: dollars('LLM_BUDGET_USD_PER_HOUR'),
  LLM_CACHE_TTL_MS: integer('LLM_CACHE_TTL_MS', 60_000, 0),
  LLM_RECORD: z.string().optional(),
  LLM_REPLAY: z.string().optional(),
  LLM_REPLAY_LATENCY: flag('LLM_REPLAY_LATENCY', true),
  LLM_REPLAY_MISS: oneOf('LLM_REPLAY_MISS', ['error', 'offline'] as const, 'error'),
});

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  logLevel: LogLevel;
  /** `port` 0 takes any free port (tests). */
  http: { port: number; host: string };
  /** Where `nyx worker` serves /healthz, /readyz and /metrics (on `http.host`). Default 9464; 0 takes any free port. */
  workerMetricsPort: number;
  /** Absent: in-memory cache, in-process queue, in-process hub. */
  redisUrl: string | undefined;
  /** Absent: PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Absent: no traces are recorded or sent. Set: `nyx serve` and `nyx worker` export spans over OTLP/HTTP here. */
  otlpEndpoint: string | undefined;
  /**
   * How long start-up waits for an unreachable REDIS_URL or DATABASE_URL, trying again every 2 s.
   * 0 (the default): one attempt of at most 5 s, then exit.
   */
  dependencyWaitSeconds: number;
  hotPath: {
    mode: 'async' | 'blocking';
    enforceMs: number;
    waitMs: number;
    strict: boolean;
    disableLlm: boolean;
    blockMs: number;
    /**
     * The least time between two ticks of one game by state syncs (SYNC_TICK_MS, default 1000; 0:
     * every sync ticks). A sync inside it that sends the current tag is answered 304 from the cache.
     */
    syncTickMs: number;
  };
  queue: {
    concurrency: number;
    attempts: number;
    backoffMs: number;
    backoffFactor: number;
  };
  idempotencyTtlSeconds: number;
  degrade: { failureRate: number };
  /** How long admitted slow-path work may wait before it starts, at the measured completion rate. */
  slowPathHorizonMs: number;
  /**
   * Whether idle workers write ahead the reactions to the choices a choice leaves on offer
   * (ANTICIPATE_REACTIONS). Default false: each is a model call, billed like any other and charged
   * to the game's budget, and only those the player's next choice uses are shown (about 1 in 19 in
   * the bench, README → Performance).
   */
  anticipateReactions: boolean;
  /**
   * Whether a player turn's reactions and narration are written by one model call (ONE_CALL_PER_TURN,
   * the `turn_prose` kind) instead of one call each. Default true; a small local model that writes
   * one reaction well but loses its way in a longer answer may do better with false.
   */
  oneCallPerTurn: boolean;
  rateLimitPerMinute: number;
  llm: {
    provider: 'offline' | 'openai-compatible' | 'replay' | 'llama-cpp';
    baseUrl: string | undefined;
    apiKey: string | undefined;
    model: string | undefined;
    /** `LLM_MODEL_<KIND>` overrides, keyed by the upper-cased task kind. */
    modelByKind: Record<string, string>;
    timeoutMs: number;
    /** The in-process model of `llama-cpp`. */
    local: {
      /** Absent unless LLM_PROVIDER=llama-cpp, which requires it. */
      modelPath: string | undefined;
      /** Answers generated at once. Default 2. */
      sequences: number;
      /** Default auto: a GPU when one is found. */
      gpu: 'auto' | 'off';
      /** CPU threads per evaluation; 0 (default) lets llama.cpp decide. */
      threads: number;
    };
    simulated: {
      latencyMs: { min: number; max: number } | undefined;
      failRate: number;
      faults: SimulatedFault[];
      /**
       * LLM_SIM_OUTPUT_CHARS: the answer length (JSON characters) the drawn latency is for; a longer
       * answer takes proportionally longer, as a real model's decoding does. Default 0: every call
       * takes the drawn latency, whatever it writes.
       */
      outputChars: number;
    };
    /** LLM_PRICES by model id; a model not listed costs 0. Default: none. */
    prices: Record<string, ModelPrice>;
    /** LLM_CACHE_TTL_MS: how long an identical request is answered from the cache; 0 turns it off. Default 60 000. */
    cacheTtlMs: number;
    /** LLM_RECORD: the folder every model request and answer is appended to. Default: no recording. */
    recordDir: string | undefined;
    /** LLM_PROVIDER=replay: where the recording is and how to play it. */
    replay: { dir: string | undefined; latency: boolean; onMiss: 'error' | 'offline' };
  };
  budget: {
    /** GAME_BUDGET_USD: what one game may spend on models. Default: no limit. */
    gameUsd: number | undefined;
    /** LLM_BUDGET_USD_PER_HOUR: what every game together may spend in one clock hour. Default: no limit. */
    hourlyUsd: number | undefined;
  };
}

/** Reads the environment once; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [variable, expected] = issue.message.includes('|')
      ? (issue.message.split('|') as [string, string])
      : [String(issue.path[0]), issue.message];
    throw new ConfigError(variable, expected, env[variable]);
  }
  const e = parsed.data;
  if (e.HOT_PATH_WAIT_MS > e.HOT_PATH_ENFORCE_MS) {
    throw new ConfigError('HOT_PATH_WAIT_MS', `at most HOT_PATH_ENFORCE_MS (${e.HOT_PATH_ENFORCE_MS})`, env.HOT_PATH_WAIT_MS);
  }
  const provider = e.LLM_PROVIDER ?? (e.LLM_BASE_URL ? 'openai-compatible' : 'offline');
  if (provider === 'openai-compatible' && !e.LLM_BASE_URL) {
    throw new ConfigError('LLM_BASE_URL', 'an http(s) URL when LLM_PROVIDER=openai-compatible', env.LLM_BASE_URL);
  }
  if (provider === 'replay' && !e.LLM_REPLAY) {
    throw new ConfigError('LLM_REPLAY', 'the folder of a recording (made with LLM_RECORD) when LLM_PROVIDER=replay', env.LLM_REPLAY);
  }
  if (provider === 'llama-cpp' && !e.LLM_MODEL_PATH) {
    throw new ConfigError('LLM_MODEL_PATH', 'the path of a GGUF file when LLM_PROVIDER=llama-cpp', env.LLM_MODEL_PATH);
  }
  const modelByKind: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('LLM_MODEL_') && value) modelByKind[name.slice('LLM_MODEL_'.length)] = value;
  }
  return {
    logLevel: e.LOG_LEVEL ?? 'info',
    http: { port: e.PORT, host: e.HOST },
    workerMetricsPort: e.WORKER_METRICS_PORT,
    redisUrl: e.REDIS_URL,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.NYX_DATA_DIR,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    dependencyWaitSeconds: e.DEPENDENCY_WAIT_S,
    hotPath: {
      mode: e.NYX_HOT_PATH ?? 'async',
      enforceMs: e.HOT_PATH_ENFORCE_MS,
      waitMs: e.HOT_PATH_WAIT_MS,
      strict: e.HOT_PATH_STRICT,
      disableLlm: e.DISABLE_LLM_IN_HOT_PATH,
      blockMs: e.HOT_PATH_BLOCK_MS,
      syncTickMs: e.SYNC_TICK_MS,
    },
    queue: {
      concurrency: e.QUEUE_CONCURRENCY,
      attempts: e.TASK_ATTEMPTS,
      backoffMs: e.TASK_BACKOFF_MS,
      backoffFactor: e.TASK_BACKOFF_FACTOR,
    },
    idempotencyTtlSeconds: e.IDEMPOTENCY_TTL_S,
    degrade: { failureRate: e.DEGRADE_FAILURE_RATE },
    slowPathHorizonMs: e.SLOW_PATH_HORIZON_MS,
    anticipateReactions: e.ANTICIPATE_REACTIONS,
    oneCallPerTurn: e.ONE_CALL_PER_TURN,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    llm: {
      provider,
      baseUrl: e.LLM_BASE_URL,
      apiKey: e.LLM_API_KEY,
      model: e.LLM_MODEL,
      modelByKind,
      timeoutMs: e.LLM_TIMEOUT_MS,
      local: { modelPath: e.LLM_MODEL_PATH, sequences: e.LLM_SEQUENCES, gpu: e.LLM_GPU ?? 'auto', threads: e.LLM_THREADS },
      simulated: {
        latencyMs: e.LLM_SIM_LATENCY_MS,
        failRate: e.LLM_SIM_FAIL_RATE,
        faults: e.LLM_SIM_FAULTS,
        outputChars: e.LLM_SIM_OUTPUT_CHARS,
      },
      prices: e.LLM_PRICES,
      cacheTtlMs: e.LLM_CACHE_TTL_MS,
      recordDir: e.LLM_RECORD || undefined,
      replay: { dir: e.LLM_REPLAY || undefined, latency: e.LLM_REPLAY_LATENCY, onMiss: e.LLM_REPLAY_MISS ?? 'error' },
    },
    budget: { gameUsd: e.GAME_BUDGET_USD, hourlyUsd: e.LLM_BUDGET_USD_PER_HOUR },
  };
}
