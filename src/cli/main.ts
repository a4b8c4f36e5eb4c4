import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { logger, setLogLevel } from '../observability/logger.js';
import { DependencyUnavailableError } from '../app/dependency-unavailable-error.js';

/**
 * `nyx <command>`: serve, worker, migrate, scenario validate, guard, audit, bench.
 * Exit codes: 0 ok, 1 the command found a problem (invalid scenario, guard findings), 2 usage or
 * configuration error — always one readable line, never a stack trace.
 */

/** One line per command for `nyx --help`; each command's own `--help` prints its entry in COMMAND_HELP. */
const USAGE = `usage: nyx <command> [options]      (nyx <command> --help for more)

commands:
  serve [--workers N] [--port P] [--host H]   API + web UI (workers in-process unless --workers 0)
  worker                                      slow-path workers only (needs REDIS_URL); metrics on WORKER_METRICS_PORT
  migrate                                     apply database migrations and exit
  scenario validate <file>                    check a scenario file
  guard [--format text|json|sarif] [--config F]  prove no hot-path code reaches a model call
  audit                                       regenerate docs/hot_path_blockers.md
  bench [options]                             hot-path benchmark: async vs blocking under virtual players
`;

type Command = 'serve' | 'worker' | 'migrate' | 'scenario' | 'guard' | 'audit';

const COMMAND_HELP: Record<Command, string> = {
  serve: `usage: nyx serve [--workers N] [--port P] [--host H]

Serves the game API, the web UI (/) and the ops page (/ops).
  --workers N   slow-path workers in this process (default 1; 0 for none, e.g. beside \`nyx worker\`)
  --port P      port to listen on (default PORT, else 3000)
  --host H      address to listen on (default HOST, else 127.0.0.1)
Settings come from the environment (see the README's configuration table).`,
  worker: `usage: nyx worker

Runs slow-path workers only: they take generation jobs from the shared queue and call the model.
Needs REDIS_URL (and DATABASE_URL when the web processes use PostgreSQL).`,
  migrate: `usage: nyx migrate

Applies the database migrations (PGlite under NYX_DATA_DIR, or DATABASE_URL) and exits.`,
  scenario: `usage: nyx scenario validate <file>

Checks a scenario file. Exit 0 when it is valid, 1 with file:line:column and the field when it is
not, 2 when the file cannot be read.`,
  guard: `usage: nyx guard [--format text|json|sarif] [--config F]

Proves statically that no hot-path module reaches a model call. Exit 0 clean, 1 findings, 2 usage.
  --format   text (default), json or sarif
  --config   guard configuration file (default nyx-guard.config.json)`,
  audit: `usage: nyx audit

Regenerates docs/hot_path_blockers.md: every call from the hot path to something that can block.`,
};

const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h');

class UsageError extends Error {}

/** "1 conflict", "3 conflicts". */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function configFrom(env: NodeJS.ProcessEnv): Config {
  const config = loadConfig(env);
  setLogLevel(config.logLevel);
  return config;
}

/** The URL a listening server answers on; a wildcard host is shown as loopback, which always reaches it. */
function listeningUrl(app: FastifyInstance, config: Config): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;
  return `http://${host}:${port}`;
}

async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { workers: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
    strict: true,
  });
  const env = { ...process.env };
  if (values.port !== undefined) env.PORT = values.port;
  if (values.host !== undefined) env.HOST = values.host;
  const config = configFrom(env);
  const workers = values.workers === undefined ? 1 : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 0) throw new UsageError(`--workers: expected a whole number, got "${values.workers}"`);
  if (workers > 0) config.queue.concurrency = Math.max(config.queue.concurrency, workers);

  const { startNyx } = await import('../app/nyx.js');
  const { buildNyxServer } = await import('../app/nyx-server.js');
  const { installGracefulShutdown } = await import('../server/graceful-shutdown.js');
  const stopTracing = await startTracing(config);
  const nyx = await startNyx(config, { workers: workers > 0 });
  const app = await buildNyxServer(nyx);
  installGracefulShutdown(app, { onClose: () => nyx.close().finally(stopTracing) });
  await app.listen({ port: config.http.port, host: config.http.host });
  const url = listeningUrl(app, config);
  console.log(`Nyx is running: ${url}/  (ops: ${url}/ops)`);
  console.log(
    `  database ${nyx.db.kind}, cache ${nyx.cache.backend}, queue ${nyx.queue.backend}, model ${config.llm.provider}, workers ${workers > 0 ? 'in-process' : 'none'}`,
  );
  return -1;
}

/** Exports spans over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; returns the flush for shutdown. */
async function startTracing(config: Config): Promise<() => Promise<void>> {
  if (config.otlpEndpoint === undefined) return async () => {};
  const { startOtlpTracing } = await import('../observability/tracing-sdk.js');
  return startOtlpTracing();
}

async function worker(): Promise<number> {
  const config = configFrom(process.env);
  if (!config.redisUrl) throw new UsageError('nyx worker needs REDIS_URL (embedded deployments run their workers inside `nyx serve`)');
  const { startNyx } = await import('../app/nyx.js');
  const { buildProbeServer } = await import('../server/probe-server.js');
  const { installGracefulShutdown } = await import('../server/graceful-shutdown.js');
  const stopTracing = await startTracing(config);
  const nyx = await startNyx(config, { workers: true });
  const probes = await buildProbeServer({ queue: nyx.queue, readiness: () => nyx.readiness(), modelHealth: () => nyx.health.model });
  installGracefulShutdown(probes, {
    onClose: async () => {
      await nyx.close();
      await stopTracing();
    },
  });
  await probes.listen({ port: config.workerMetricsPort, host: config.http.host });
  console.log(
    `Nyx worker running: queue ${nyx.queue.backend}, model ${config.llm.provider}, concurrency ${config.queue.concurrency}, metrics ${listeningUrl(probes, config)}/metrics`,
  );
  return -1;
}

/**
 * The benchmark lives next to the sources, not in the package: a built install has no `bench/`.
 * It runs as its own process (through tsx, from the checkout), so the CLI never loads it.
 */
async function runBench(args: string[]): Promise<number> {
  const { existsSync } = await import('node:fs');
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const script = fileURLToPath(new URL('../../bench/hot-path.ts', import.meta.url));
  if (!existsSync(script)) throw new UsageError('nyx bench runs from a source checkout of Nyx: npm run bench');
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function migrate(): Promise<number> {
  const config = configFrom(process.env);
  const { checkDependencies } = await import('../app/dependency-check.js');
  await checkDependencies({ ...config, redisUrl: undefined }, (error, attempt) =>
    console.error(`nyx: ${error.message}; attempt ${attempt}, trying again`),
  );
  const { openDatabase } = await import('../runtime/db/database.js');
  const { databaseOptions } = await import('../app/nyx.js');
  const db = await openDatabase(databaseOptions(config));
  try {
    await db.migrate();
    console.log(`migrations applied (${db.kind})`);
  } finally {
    await db.close();
  }
  return 0;
}

async function scenario(args: string[]): Promise<number> {
  const [subcommand, file, ...rest] = args;
  if (subcommand !== 'validate' || !file || rest.length > 0) throw new UsageError('usage: nyx scenario validate <file>');
  const { validateScenarioFile, formatScenarioError } = await import('../conflict/scenarios/index.js');
  const result = await validateScenarioFile(file);
  if (result.ok) {
    console.log(
      `${file}: ok — "${result.scenario.title}" (${count(result.scenario.npcs.length, 'NPC')}, ${count(result.scenario.conflicts.length, 'conflict')})`,
    );
    return 0;
  }
  console.error(formatScenarioError(result.error));
  return result.error.reason === 'unreadable' ? 2 : 1;
}

async function run(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command !== undefined && command in COMMAND_HELP && wantsHelp(args)) {
    console.log(COMMAND_HELP[command as Command]);
    return 0;
  }
  switch (command) {
    case 'serve':
      return serve(args);
    case 'worker':
      return worker();
    case 'migrate':
      return migrate();
    case 'scenario':
      return scenario(args);
    case 'guard': {
      const { runGuardCli } = await import('../guard/index.js');
      return runGuardCli(args);
    }
    case 'audit': {
      const { runAuditCli } = await import('../guard/index.js');
      return runAuditCli(args);
    }
    case 'bench':
      return runBench(args);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"\n${USAGE}`);
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    // -1: a long-running command (serve, worker) that exits through its signal handlers.
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    const badOption = (error as { code?: unknown }).code?.toString().startsWith('ERR_PARSE_ARGS') === true;
    if (error instanceof ConfigError || error instanceof UsageError || error instanceof DependencyUnavailableError || badOption) {
      console.error(`nyx: ${(error as Error).message}${badOption ? ' (nyx --help lists the commands and options)' : ''}`);
      process.exit(2);
    }
    logger.error({ err: error }, 'nyx failed');
    console.error(`nyx: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
