import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGuardConfig, NYX_GUARD_CONFIG } from '../../src/guard/config.js';
import { GuardUsageError } from '../../src/guard/errors.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const fixture = path.join(repoRoot, 'test/fixtures/guard-project');

function projectWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nyx-guard-config-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

const loadError = (root: string, configFile?: string) => {
  try {
    loadGuardConfig(root, configFile);
  } catch (error) {
    expect(error).toBeInstanceOf(GuardUsageError);
    return (error as Error).message;
  }
  throw new Error('expected loadGuardConfig to fail');
};

describe('loadGuardConfig', () => {
  it('reads the project root nyx-guard.config.json and fills defaults', () => {
    const { config, source } = loadGuardConfig(fixture);
    expect(source).toBe(path.join(fixture, 'nyx-guard.config.json'));
    expect(config.hotPath).toEqual(['src/hot/**']);
    expect(config.sinks).toEqual(['src/llm/**', 'ai', '@ai-sdk/*']);
    expect(config.boundedWaits).toEqual([]);
    expect(config.tsConfig).toBe('tsconfig.json');
  });

  it("falls back to Nyx's own layout when the project has no config file", () => {
    const root = projectWith({ 'tsconfig.json': '{}' });
    const { config, source } = loadGuardConfig(root);
    expect(config).toEqual(NYX_GUARD_CONFIG);
    expect(source).toContain('built-in Nyx default');
  });

  it("keeps Nyx's committed config identical to the built-in default", () => {
    expect(loadGuardConfig(repoRoot).config).toEqual(NYX_GUARD_CONFIG);
  });

  it('names the file and the field that is wrong', () => {
    const root = projectWith({ 'tsconfig.json': '{}', 'bad.json': JSON.stringify({ hotPath: 'src/**', sinks: ['x/**'] }) });
    const message = loadError(root, 'bad.json');
    expect(message).toContain(path.join(root, 'bad.json'));
    expect(message).toContain('hotPath');
  });

  it('rejects unknown fields instead of ignoring a typo', () => {
    const root = projectWith({
      'tsconfig.json': '{}',
      'nyx-guard.config.json': JSON.stringify({ hotPath: ['a/**'], sinks: ['b/**'], sink: [] }),
    });
    expect(loadError(root)).toMatch(/sink/);
  });

  it('reports invalid JSON, a missing --config file and a missing tsconfig', () => {
    const root = projectWith({ 'tsconfig.json': '{}', 'broken.json': '{ "hotPath": [' });
    expect(loadError(root, 'broken.json')).toMatch(/broken\.json: not valid JSON/);
    expect(loadError(root, 'nope.json')).toMatch(/--config: .*nope\.json does not exist/);
    const withoutTsConfig = projectWith({ 'nyx-guard.config.json': JSON.stringify({ hotPath: ['a/**'], sinks: ['b/**'] }) });
    expect(loadError(withoutTsConfig)).toMatch(/tsConfig: .*tsconfig\.json does not exist/);
  });
});
