import { createRequire } from 'node:module';
import { cruise, type ICruiseOptions, type ICruiseResult } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

/**
 * The layering rules of `.dependency-cruiser.cjs` hold over src/: no file imports back into its
 * importer, the runtime, story vocabulary and gateway never reach into the conflict system, and the
 * CLI never loads the benchmarks.
 */
describe('layers', () => {
  it('has no import cycle and no import against the layering', async () => {
    const { forbidden, options } = require('../../.dependency-cruiser.cjs') as {
      forbidden: NonNullable<ICruiseOptions['ruleSet']>['forbidden'];
      options: ICruiseOptions;
    };
    const reported = await cruise(['src'], { ...options, validate: true, ruleSet: { forbidden } } as ICruiseOptions);
    const result = reported.output as ICruiseResult;
    const violations = result.summary.violations.map(
      (v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (${v.cycle.map((c) => c.name).join(' → ')})` : ''}`,
    );
    expect(violations).toEqual([]);
    expect(result.summary.totalCruised).toBeGreaterThan(100);
  }, 120_000);
});
