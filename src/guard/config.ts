import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { GuardUsageError } from './errors.js';

export const GUARD_CONFIG_FILE = 'nyx-guard.config.json';

const patternList = z.array(z.string().min(1, 'an empty pattern matches nothing'));

export const guardConfigSchema = z
  .object({
    /** Modules players wait on: none of them may reach a sink. */
    hotPath: patternList.min(1, 'list at least one hot-path glob'),
    /** Module globs and npm package names that call models (or may only run in workers). */
    sinks: patternList.min(1, 'list at least one sink'),
    /** Left out of the analysis altogether (tests, benchmarks). */
    allowed: patternList.default([]),
    /** Method and function names that are model calls when made on a sink module or type. */
    modelCallNames: patternList.default(['generate', 'generateText', 'generateObject', 'streamText', 'streamObject', 'complete']),
    /**
     * Module globs whose blocking calls are not findings: the runtime bounds their waits by the
     * operation's budget, or a configured rollback mode asks for them.
     */
    boundedWaits: patternList.default([]),
    /** Relative to the project root. */
    tsConfig: z.string().min(1).default('tsconfig.json'),
  })
  .strict();

export type GuardConfig = z.infer<typeof guardConfigSchema>;

/** Nyx's own layout (CONTRIBUTING.md); used when a project has no config file of its own. */
export const NYX_GUARD_CONFIG: GuardConfig = {
  hotPath: [
    'src/server/**',
    'src/conflict/engine/**',
    'src/conflict/*/hot-path.ts',
    'src/conflict/*/rules.ts',
    'src/conflict/*/contracts.ts',
    'src/conflict/domain/**',
    'src/conflict/tasks/**',
    'src/conflict/store/**',
    'src/story/**',
  ],
  sinks: ['src/gateway/**', 'src/conflict/*/slow-path.ts', 'src/conflict/slow-path/**', 'ai', '@ai-sdk/*', 'node-llama-cpp'],
  allowed: ['test/**', 'bench/**'],
  modelCallNames: ['generate', 'generateText', 'generateObject', 'streamText', 'streamObject', 'complete'],
  boundedWaits: ['src/runtime/hot-path/**'],
  tsConfig: 'tsconfig.json',
};

export interface LoadedGuardConfig {
  config: GuardConfig;
  /** The file it came from, or a note that the built-in default was used. */
  source: string;
  root: string;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  return `${field}: ${issue.message}`;
}

function parseConfigFile(file: string): GuardConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new GuardUsageError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = guardConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new GuardUsageError(`${file}: ${parsed.error.issues.map(describeIssue).join('; ')}`);
  }
  return parsed.data;
}

/**
 * `--config` must exist; without it the root's nyx-guard.config.json is used when present, and
 * Nyx's own layout otherwise. Pattern paths and tsConfig are relative to `root`.
 */
export function loadGuardConfig(root: string, configFile?: string): LoadedGuardConfig {
  if (!existsSync(root)) throw new GuardUsageError(`--cwd: ${root} does not exist`);
  const explicit = configFile === undefined ? undefined : path.resolve(root, configFile);
  if (explicit !== undefined && !existsSync(explicit)) throw new GuardUsageError(`--config: ${explicit} does not exist`);
  const file = explicit ?? path.join(root, GUARD_CONFIG_FILE);
  const loaded = existsSync(file)
    ? { config: parseConfigFile(file), source: file, root }
    : { config: NYX_GUARD_CONFIG, source: `built-in Nyx default (no ${GUARD_CONFIG_FILE} in ${root})`, root };
  const tsConfigPath = path.resolve(root, loaded.config.tsConfig);
  if (!existsSync(tsConfigPath)) throw new GuardUsageError(`${loaded.source}: tsConfig: ${tsConfigPath} does not exist`);
  return loaded;
}
