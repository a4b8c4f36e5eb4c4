import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScenarioError } from './errors.js';
import { parseScenario } from './parse.js';
import type { Scenario } from './schema.js';

// Relative to this module, not the working directory, so the server and the CLI find the shipped
// scenarios wherever they are started from.
const BUNDLED_SCENARIOS_DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));

export type ScenarioValidation = { ok: true; scenario: Scenario } | { ok: false; error: ScenarioError };

/** Reads and validates one scenario file; throws a ScenarioError naming the file and every problem in it. */
export async function loadScenarioFile(path: string): Promise<Scenario> {
  return parseScenario(await readScenarioText(path), path);
}

/** loadScenarioFile for callers that report rather than throw, such as `nyx scenario validate`. */
export async function validateScenarioFile(path: string): Promise<ScenarioValidation> {
  try {
    return { ok: true, scenario: await loadScenarioFile(path) };
  } catch (error) {
    if (error instanceof ScenarioError) return { ok: false, error };
    throw error;
  }
}

const bundledByDir = new Map<string, Promise<Scenario[]>>();

/** Every `*.yaml` scenario in `dir` (the shipped `scenarios/` folder by default), sorted by id. Loaded once per folder. */
export function loadBundledScenarios(dir: string = BUNDLED_SCENARIOS_DIR): Promise<Scenario[]> {
  let loading = bundledByDir.get(dir);
  if (loading === undefined) {
    loading = loadScenarioDir(dir);
    // A failed load is not cached, so a corrected file is picked up on the next call.
    loading.catch(() => bundledByDir.delete(dir));
    bundledByDir.set(dir, loading);
  }
  return loading;
}

async function loadScenarioDir(dir: string): Promise<Scenario[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.yaml')).sort();
  const fileById = new Map<string, string>();
  const scenarios: Scenario[] = [];
  for (const name of files) {
    const file = join(dir, name);
    const scenario = await loadScenarioFile(file);
    const earlier = fileById.get(scenario.id);
    if (earlier !== undefined) {
      throw new ScenarioError(file, [
        { path: 'id', message: `duplicate scenario id "${scenario.id}", already used by ${earlier}; expected a unique id` },
      ]);
    }
    fileById.set(scenario.id, file);
    scenarios.push(scenario);
  }
  return scenarios.sort((a, b) => a.id.localeCompare(b.id));
}

async function readScenarioText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ScenarioError(path, [{ path: '', message: unreadableReason(error) }], 'unreadable');
  }
}

function unreadableReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a directory, expected a scenario file';
  if (code === 'EACCES') return 'permission denied';
  return `cannot read the file: ${error instanceof Error ? error.message : String(error)}`;
}
