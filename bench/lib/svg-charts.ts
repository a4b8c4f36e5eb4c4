/**
 * Two chart shapes drawn as inline SVG strings (the report needs no script and no network):
 * line charts of series over a shared x axis, and the latency distributions on a log-scale x axis.
 */
export interface Series {
  label: string;
  color: string;
  points: Array<[number, number]>;
}

const WIDTH = 640;
const HEIGHT = 240;
const PAD = { left: 56, right: 16, top: 16, bottom: 40 };

const escapeXml = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((m) => m >= value)!;
}

export function lineChart(options: {
  series: Series[];
  xLabel: string;
  yLabel: string;
  /** Fixed top of the y axis (e.g. 1 for shares); default: the data's nice maximum. */
  yMax?: number;
  /** Maps an x value to its tick text (e.g. a power of ten to "10 ms"). */
  xTick?: (x: number) => string;
  xTicks?: number[];
}): string {
  const all = options.series.flatMap((s) => s.points);
  const xMin = Math.min(...all.map(([x]) => x), 0);
  const xMax = Math.max(...all.map(([x]) => x), xMin + 1);
  const yMax = options.yMax ?? niceMax(Math.max(...all.map(([, y]) => y), 0));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const sx = (x: number) => PAD.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number) => PAD.top + plotH - (y / yMax) * plotH;
  const xTicks = options.xTicks ?? Array.from({ length: 6 }, (_, i) => xMin + ((xMax - xMin) * i) / 5);
  const tick = options.xTick ?? ((x: number) => x.toFixed(0));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img">`,
    `<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="#fafafa" stroke="#ccc"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    parts.push(
      `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${sy(y)}" y2="${sy(y)}" stroke="#eee"/>`,
      `<text x="${PAD.left - 6}" y="${sy(y) + 4}" font-size="11" text-anchor="end">${escapeXml(Number(y.toPrecision(3)).toString())}</text>`,
    );
  }
  for (const x of xTicks) {
    parts.push(`<text x="${sx(x)}" y="${PAD.top + plotH + 16}" font-size="11" text-anchor="middle">${escapeXml(tick(x))}</text>`);
  }
  parts.push(
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 6}" font-size="12" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text x="12" y="${PAD.top + plotH / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 12 ${PAD.top + plotH / 2})">${escapeXml(options.yLabel)}</text>`,
  );
  options.series.forEach((s, i) => {
    if (s.points.length > 0) {
      const path = s.points.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(Math.min(y, yMax)).toFixed(1)}`).join(' ');
      parts.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    }
    parts.push(
      `<rect x="${PAD.left + 8 + i * 150}" y="${PAD.top + 6}" width="10" height="10" fill="${s.color}"/>`,
      `<text x="${PAD.left + 22 + i * 150}" y="${PAD.top + 15}" font-size="11">${escapeXml(s.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Share of requests per log-scale latency bucket, one line per series, x in ms from 0.01 to 100 000. */
export function distributionChart(edgesMs: readonly number[], series: Array<{ label: string; color: string; counts: number[] }>): string {
  return lineChart({
    series: series.map(({ label, color, counts }) => {
      const total = counts.reduce((a, b) => a + b, 0) || 1;
      // x is log10 of the bucket's lower edge, so the axis is logarithmic.
      return { label, color, points: counts.map((count, i) => [Math.log10(edgesMs[i]!), count / total] as [number, number]) };
    }),
    xLabel: 'latency (log scale)',
    yLabel: 'share of requests',
    xTicks: [-2, -1, 0, 1, 2, 3, 4, 5],
    xTick: (x) => (x < 0 ? `${10 ** (x + 3)} µs` : x < 3 ? `${10 ** x} ms` : `${10 ** (x - 3)} s`),
  });
}
