import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { assembleResult, type BenchResult } from './bench-result.js';
import { measureFloor } from './floor-load.js';
import { writeHtmlReport } from './html-report.js';
import { runMode, type ModeResult } from './mode-run.js';
import {
  DistributedServices,
  startDistributedFloor,
  startDistributedNyx,
  startEmbeddedFloor,
  startEmbeddedNyx,
  type BenchTarget,
  type HotPathMode,
} from './nyx-target.js';
import type { BenchOptions } from './options.js';
import { Progress } from './progress.js';

export interface BenchOutput {
  result: BenchResult;
  jsonPath: string;
  latestPath: string;
  htmlPath: string;
}

/** Both hot-path modes and the floor, one after the other on fresh servers; writes the JSON and the HTML report. */
export async function runBench(options: BenchOptions): Promise<BenchOutput> {
  const startedAt = new Date();
  const progress = new Progress(options.progress);
  const services = options.distributed ? DistributedServices.fromEnvironment() : undefined;
  const startNyx = (mode: HotPathMode) => (services ? startDistributedNyx(mode, options, services) : startEmbeddedNyx(mode, options));

  const during = async <T>(start: () => Promise<BenchTarget>, run: (target: BenchTarget) => Promise<T>): Promise<T> => {
    const target = await start();
    try {
      return await run(target);
    } finally {
      await target.close();
    }
  };
  try {
    const modes: Partial<Record<HotPathMode, ModeResult>> = {};
    for (const [mode, players] of [
      ['async', options.players],
      ['blocking', options.blockingPlayers],
    ] as const) {
      progress.update(`[${mode}] starting Nyx`);
      modes[mode] = await during(
        () => startNyx(mode),
        (target) => runMode(mode, players, target, options, progress),
      );
    }
    progress.update('[floor] starting the floor server');
    const floor = await during(
      () => (services ? startDistributedFloor(services) : startEmbeddedFloor()),
      (target) => measureFloor(target, options.players, options.saturationS, progress),
    );
    const result = assembleResult({
      startedAt,
      backend: services ? 'distributed' : 'embedded',
      options,
      async: modes.async!,
      blocking: modes.blocking!,
      floor,
    });
    return { result, ...(await writeResult(result, options.outDir)) };
  } finally {
    progress.done();
  }
}

async function writeResult(result: BenchResult, outDir: string): Promise<{ jsonPath: string; latestPath: string; htmlPath: string }> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const jsonPath = join(dir, `hot-path-${result.startedAt.replace(/[:.]/g, '-')}.json`);
  const latestPath = join(dir, 'latest.json');
  await writeFile(jsonPath, json);
  await writeFile(latestPath, json);
  const htmlPath = join(dir, 'report.html');
  await writeHtmlReport(result, htmlPath);
  return { jsonPath, latestPath, htmlPath };
}
