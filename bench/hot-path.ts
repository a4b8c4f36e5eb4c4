import { pathToFileURL } from 'node:url';
import { BenchUsageError, parseBenchArgs, USAGE } from './lib/options.js';
import { runBench } from './lib/run-bench.js';
import { textReport } from './lib/text-report.js';

/**
 * `npm run bench` / `nyx bench`: Nyx's hot path side by side — async (the game loop never waits
 * for a model), blocking (the "before" architecture: every request waits for its model calls) and
 * the floor (one cache read behind a bare route) — under virtual players. Prints a table, writes
 * bench-output/hot-path-<time>.json, latest.json and report.html.
 *
 * Exit codes: 0 done (goals are reported, not enforced), 2 usage error, 1 the run failed.
 */
export async function runBenchCli(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseBenchArgs>;
  try {
    options = parseBenchArgs(argv);
  } catch (error) {
    if (error instanceof BenchUsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`nyx bench: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  try {
    const { result, jsonPath, latestPath, htmlPath } = await runBench(options);
    console.log(textReport(result));
    console.log(`\nJSON: ${jsonPath} (also ${latestPath})\nHTML: ${htmlPath}`);
    return 0;
  } catch (error) {
    if (error instanceof BenchUsageError) {
      console.error(`nyx bench: ${error.message}`);
      return 2;
    }
    console.error(`nyx bench: the run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const code = await runBenchCli(process.argv.slice(2));
  // Servers, pools and timers of the run are closed; exit anyway in case a library keeps a handle.
  process.exit(code);
}
