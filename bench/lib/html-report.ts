import { writeFile } from 'node:fs/promises';
import type { BenchResult } from './bench-result.js';
import { PLAYER_OPERATIONS } from './mode-run.js';
import { DISTRIBUTION_EDGES_MS } from './operation-stats.js';
import { distributionChart, lineChart } from './svg-charts.js';
import { textReport } from './text-report.js';

/** The self-contained report: figures, goals and inline SVG charts; no script, no network. */
const COLORS = { async: '#1f77b4', blocking: '#d62728', floor: '#2ca02c', active: '#ff7f0e' };

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function htmlReport(result: BenchResult): string {
  const { async, blocking } = result.modes;
  const distributions = PLAYER_OPERATIONS.map(
    (op) =>
      `<figure><figcaption>${op}: latency distribution (measured phase)</figcaption>${distributionChart(DISTRIBUTION_EDGES_MS, [
        { label: `async (${async.players} players)`, color: COLORS.async, counts: async.operations[op]!.distribution },
        { label: `blocking (${blocking.players} players)`, color: COLORS.blocking, counts: blocking.operations[op]!.distribution },
        ...(op === 'stateSync' ? [{ label: 'floor (cache read)', color: COLORS.floor, counts: result.floor.distribution }] : []),
      ])}</figure>`,
  ).join('\n');
  const queueCharts = [async, blocking]
    .map(
      (mode) =>
        `<figure><figcaption>${mode.mode}: queue depth over time (warm-up, measured, saturation)</figcaption>${lineChart({
          series: [
            { label: 'waiting + delayed', color: COLORS[mode.mode], points: mode.queueDepth.map((p) => [p.t, p.waiting + p.delayed]) },
            { label: 'active (model calls)', color: COLORS.active, points: mode.queueDepth.map((p) => [p.t, p.active]) },
          ],
          xLabel: 'seconds',
          yLabel: 'jobs',
        })}</figure>`,
    )
    .join('\n');
  const coverageChart = `<figure><figcaption>Generated share of the stakeholder content players saw, per second of the measured phase</figcaption>${lineChart(
    {
      series: [
        { label: 'async', color: COLORS.async, points: async.coverage.timeline.map((p) => [p.second, p.share]) },
        { label: 'blocking', color: COLORS.blocking, points: blocking.coverage.timeline.map((p) => [p.second, p.share]) },
      ],
      xLabel: 'seconds into the measured phase',
      yLabel: 'generated share',
      yMax: 1,
    },
  )}</figure>`;
  const goals = result.goals
    .map(
      (g) =>
        `<tr class="${g.met ? 'met' : 'missed'}"><td>${g.met ? 'met' : 'missed'}</td><td>${escapeHtml(g.goal)}</td><td>${escapeHtml(g.figure)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Nyx hot-path benchmark ${escapeHtml(result.startedAt)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 1400px; }
pre { background: #f4f4f4; padding: 1rem; overflow-x: auto; font-size: 12px; }
table { border-collapse: collapse; } td { padding: 2px 10px; border-bottom: 1px solid #eee; }
tr.met td:first-child { color: #2a7a2a; font-weight: bold; } tr.missed td:first-child { color: #b22; font-weight: bold; }
figure { display: inline-block; margin: 0 1rem 1rem 0; } figcaption { font-size: 13px; margin-bottom: 4px; }
</style></head><body>
<h1>Nyx hot-path benchmark</h1>
<p>${escapeHtml(result.backend)} backend, ${escapeHtml(result.startedAt)} → ${escapeHtml(result.finishedAt)}. Goals are reported, not enforced.</p>
<h2>Goals</h2><table>${goals}</table>
<h2>Figures</h2><pre>${escapeHtml(textReport(result))}</pre>
<h2>Latency</h2>${distributions}
<h2>Slow path</h2>${queueCharts}
<h2>Content coverage</h2>${coverageChart}
</body></html>
`;
}

export async function writeHtmlReport(result: BenchResult, path: string): Promise<void> {
  await writeFile(path, htmlReport(result));
}
