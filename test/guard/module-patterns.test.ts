import { describe, expect, it } from 'vitest';
import { globToRegExpSource, isPackagePattern, ModulePatterns } from '../../src/guard/module-patterns.js';

describe('ModulePatterns', () => {
  it('tells npm packages from path globs', () => {
    expect(isPackagePattern('ai')).toBe(true);
    expect(isPackagePattern('@ai-sdk/*')).toBe(true);
    expect(isPackagePattern('openai')).toBe(true);
    expect(isPackagePattern('src/gateway/**')).toBe(false);
    expect(isPackagePattern('workers.ts')).toBe(false);
  });

  it('matches ** across folders and * within one', () => {
    const patterns = new ModulePatterns(['src/gateway/**', 'src/conflict/*/slow-path.ts']);
    expect(patterns.matches('src/gateway/providers/openai.ts')).toBe(true);
    expect(patterns.matches('src/gateway/index.ts')).toBe(true);
    expect(patterns.matches('src/conflict/flow/slow-path.ts')).toBe(true);
    expect(patterns.matches('src/conflict/flow/nested/slow-path.ts')).toBe(false);
    expect(patterns.matches('src/conflict/flow/hot-path.ts')).toBe(false);
    expect(patterns.matches('lib/src/gateway/index.ts')).toBe(false);
  });

  it('treats dots in globs literally', () => {
    expect(new RegExp(globToRegExpSource('src/a.ts')).test('src/abts')).toBe(false);
  });

  it('matches packages wherever node_modules is, but not packages that merely share a prefix', () => {
    const patterns = new ModulePatterns(['ai', '@ai-sdk/*']);
    expect(patterns.matchingPattern('node_modules/ai/dist/index.mjs')).toBe('ai');
    expect(patterns.matchingPattern('../../node_modules/ai/dist/index.d.ts')).toBe('ai');
    expect(patterns.matchingPattern('node_modules/@ai-sdk/openai-compatible/dist/index.js')).toBe('@ai-sdk/*');
    expect(patterns.matches('node_modules/aircraft/index.js')).toBe(false);
    expect(patterns.matches('src/ai/index.ts')).toBe(false);
  });

  it('produces no regex for an empty list, so an empty allowed list excludes nothing', () => {
    expect(new ModulePatterns([]).toRegExpSource()).toBeUndefined();
  });
});
