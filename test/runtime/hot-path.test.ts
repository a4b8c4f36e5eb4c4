import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { metrics } from '../../src/observability/metrics.js';
import {
  HotPathBudgetExceeded,
  HotPathViolation,
  assertModelCallAllowed,
  configureHotPath,
  currentHotPathOperation,
  hotPath,
  hotPathSettings,
  outsideHotPath,
} from '../../src/runtime/hot-path/hot-path.js';

const counterValue = async (counter: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> }, labels: Record<string, string>) =>
  (await counter.get()).values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))?.value ?? 0;

describe('hotPath()', () => {
  const original = { ...hotPathSettings() };
  afterEach(() => void configureHotPath(original));

  it('reports an operation over its budget, and strict mode turns that into an error', async () => {
    configureHotPath({ enforceMs: 20, strict: false });
    const before = await counterValue(metrics.hotPathBudgetOverruns, { operation: 'test.slow' });
    await expect(hotPath('test.slow', () => sleep(60, 'late'))).resolves.toBe('late');
    expect(await counterValue(metrics.hotPathBudgetOverruns, { operation: 'test.slow' })).toBe(before + 1);

    configureHotPath({ strict: true });
    await expect(hotPath('test.slow', () => sleep(60))).rejects.toBeInstanceOf(HotPathBudgetExceeded);
    await expect(hotPath('test.fast', async () => 'quick')).resolves.toBe('quick');
  });

  it('times operations that fail as well as those that answer', async () => {
    const count = async () =>
      (await metrics.hotPathDuration.get()).values.find((v) => v.labels.operation === 'test.refuses' && v.metricName?.endsWith('_count'))?.value ?? 0;
    const before = await count();
    await expect(hotPath('test.refuses', async () => Promise.reject(new Error('bad input')))).rejects.toThrow('bad input');
    expect(await count()).toBe(before + 1);
  });

  it('refuses a model call inside a hot-path operation under DISABLE_LLM_IN_HOT_PATH=1, naming both', async () => {
    configureHotPath({ disableLlm: true });
    const error = await hotPath('http.POST /choices', async () => assertModelCallAllowed('stakeholder_reaction')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HotPathViolation);
    expect((error as HotPathViolation).message).toContain('http.POST /choices');
    expect((error as HotPathViolation).message).toContain('stakeholder_reaction');
    expect(() => assertModelCallAllowed('stakeholder_reaction')).not.toThrow();
  });

  it('only counts the violation when DISABLE_LLM_IN_HOT_PATH=0', async () => {
    configureHotPath({ disableLlm: false });
    const labels = { operation: 'game.state_sync', kind: 'gossip' };
    const before = await counterValue(metrics.hotPathGuardViolations, labels);
    await hotPath('game.state_sync', async () => assertModelCallAllowed('gossip'));
    expect(await counterValue(metrics.hotPathGuardViolations, labels)).toBe(before + 1);
  });

  it('does not follow work handed off with outsideHotPath (what in-process workers do)', async () => {
    let seenInside: string | undefined = 'unset';
    let seenOutside: string | undefined = 'unset';
    await hotPath('game.player_choice', async () => {
      seenInside = currentHotPathOperation();
      await outsideHotPath(async () => {
        seenOutside = currentHotPathOperation();
      });
    });
    expect(seenInside).toBe('game.player_choice');
    expect(seenOutside).toBeUndefined();
  });
});
