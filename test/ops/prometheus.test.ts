import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { metrics, registry } from '../../src/observability/metrics.js';
import { repoRoot } from '../support/processes.js';
import { inCI } from '../support/services.js';

/**
 * The operator's files in ops/ checked with Prometheus's own tool: the rules load, their unit tests
 * (series that must and must not fire each alert) pass, and what /metrics serves is valid exposition.
 * promtool comes with Debian's `prometheus` package; required in CI, skipped loudly without it.
 */

const promtoolFound = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;

function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd: `${repoRoot}ops`, input, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
}

interface RuleFile {
  groups: { name: string; rules: { record?: string; alert?: string; expr: string }[] }[];
}

const dashboard = JSON.parse(readFileSync(`${repoRoot}ops/grafana-dashboard.json`, 'utf8')) as Dashboard;

const rules = parse(readFileSync(`${repoRoot}ops/prometheus-alerts.yml`, 'utf8')) as RuleFile;
const recorded = new Set(rules.groups.flatMap((group) => group.rules.flatMap((rule) => (rule.record ? [rule.record] : []))));

/** The metric families the registry serves, by the names a query may use (histograms add _bucket, _sum, _count). */
async function servedNames(): Promise<Set<string>> {
  const names = new Set<string>(['up']);
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
  }
  return names;
}

/** Metric names a PromQL expression reads: identifiers that are followed by a selector, a range or an operator, not functions or keywords. */
function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  return [...withoutStrings.matchAll(/\b(nyx[a-z0-9_:]*|up)\b(?!\s*\()/g)].map((match) => match[1]!);
}

describe('ops/prometheus-alerts.yml', () => {
  it('reads only series Nyx serves or the rules record', async () => {
    const served = await servedNames();
    const unknown = rules.groups
      .flatMap((group) => group.rules)
      .flatMap((rule) => metricNamesIn(rule.expr))
      .filter((name) => !served.has(name) && !recorded.has(name));
    expect(unknown).toEqual([]);
  });
});

const describePromtool = promtoolFound || inCI ? describe : describe.skip;
if (!promtoolFound && !inCI) console.warn('promtool not found: skipping the Prometheus checks (apt-get install prometheus)');

describePromtool('promtool', () => {
  it('is installed (CI installs Debian’s prometheus package)', () => {
    expect(promtoolFound).toBe(true);
  });

  it('accepts the rules and the scrape configuration', () => {
    const checkedRules = promtool(['check', 'rules', 'prometheus-alerts.yml']);
    expect(checkedRules.status, checkedRules.output).toBe(0);
    const checkedConfig = promtool(['check', 'config', 'prometheus.yml']);
    expect(checkedConfig.status, checkedConfig.output).toBe(0);
  });

  it('passes the rules’ unit tests: each alert fires on its series and stays quiet on absent or zero series', () => {
    const tested = promtool(['test', 'rules', 'prometheus-alerts.test.yml']);
    expect(tested.status, tested.output).toBe(0);
  });

  it('parses every query of the Grafana dashboard (each checked as a recording rule)', () => {
    const queries = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'nyx-dashboard-')), 'dashboard-queries.yml');
    writeFileSync(
      file,
      stringify({ groups: [{ name: 'dashboard', rules: queries.map((expr, i) => ({ record: `nyx_dashboard:query_${i}`, expr })) }] }),
    );
    const checked = promtool(['check', 'rules', file]);
    expect(checked.status, checked.output).toBe(0);
  });

  it('accepts /metrics as served, with every labelled series present', async () => {
    // Labelled families appear only once a series exists: touch one of each so all are checked.
    metrics.hotPathDuration.observe({ operation: 'promtool' }, 0.001);
    metrics.hotPathBudgetOverruns.inc({ operation: 'promtool' }, 0);
    metrics.hotPathGuardViolations.inc({ operation: 'promtool', kind: 'gossip' }, 0);
    metrics.cacheRequests.inc({ backend: 'memory', class: 'generated', result: 'hit' }, 0);
    metrics.cacheErrors.inc({ backend: 'memory', operation: 'get' }, 0);
    metrics.queueDispatches.inc({ task: 'promtool', result: 'accepted' }, 0);
    metrics.queueJobs.set({ state: 'waiting' }, 0);
    metrics.taskCompletions.inc({ task: 'promtool' }, 0);
    metrics.taskFailures.inc({ task: 'promtool', final: 'true' }, 0);
    metrics.taskDuration.observe({ task: 'promtool' }, 0.1);
    metrics.modelCallDuration.observe({ kind: 'gossip', provider: 'offline' }, 0.1);
    metrics.modelCalls.inc({ kind: 'gossip', provider: 'offline', outcome: 'ok' }, 0);
    metrics.modelTokens.inc({ kind: 'gossip', direction: 'prompt' }, 0);
    metrics.modelFailures.inc({ kind: 'gossip', reason: 'timeout' }, 0);

    const checked = promtool(['check', 'metrics'], await registry.metrics());
    expect(checked.status, checked.output).toBe(0);
  });
});

describe('ops/grafana-dashboard.json', () => {
  it('parses, and each panel queries only series Nyx serves or the rules record', async () => {
    const served = await servedNames();
    expect(dashboard.panels.length).toBeGreaterThan(0);
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      const names = panel.targets.flatMap((target) => metricNamesIn(target.expr));
      expect(names.length, panel.title).toBeGreaterThan(0);
      expect(
        names.filter((name) => !served.has(name) && !recorded.has(name)),
        panel.title,
      ).toEqual([]);
    }
  });
});

describe('metricNamesIn', () => {
  it('finds metric and recorded names, not functions, labels or strings', () => {
    expect(
      metricNamesIn('sum(rate(nyx_task_failed_total{final="true", task="nyx_fake"}[10m])) / nyx:queue_jobs:max > 0 or vector(0)'),
    ).toEqual(['nyx_task_failed_total', 'nyx:queue_jobs:max']);
  });
});
