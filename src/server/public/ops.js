// Operations dashboard: polls GET /api/ops every 2 s and keeps a short history for sparklines.

import { h, $, pct } from './dom.js';
import { api } from './api.js';

const POLL_MS = 2000;
const HISTORY = 60;
const BUDGET_MS = 200; // the hot-path budget: p99 above it is shown as a breach

const history = { cache: [], queue: [], model: [], sse: [], ops: new Map() }; // ops: name -> { p50: [], p99: [] }

const push = (list, v) => {
  list.push(v);
  if (list.length > HISTORY) list.shift();
};

function spark(svg, series, { max } = {}) {
  const top = Math.max(max ?? 0, ...series.flatMap((s) => s.values), 1e-9);
  const lines = series.map(({ values, cls }) => {
    const n = values.length;
    const points = values.map((v, i) => `${((HISTORY - n + i) / (HISTORY - 1)) * 120},${27 - (v / top) * 25}`).join(' ');
    return h('svg:polyline', { points, class: cls, fill: 'none', 'vector-effect': 'non-scaling-stroke' });
  });
  svg.replaceChildren(...lines);
}

/** Dollars with enough places for sub-cent model calls. */
const usd = (v) => `$${(v ?? 0).toFixed(v !== 0 && Math.abs(v) < 0.01 ? 6 : 2)}`;
const ms = (v) => (v === undefined || v === null ? '—' : v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`);
const level = (v) => (v > BUDGET_MS ? 'over' : v > BUDGET_MS / 2 ? 'warn' : 'ok');

function render(o) {
  $('#degraded').hidden = !o.degraded;

  const cache = o.cache ?? {};
  $('#cache-rate').textContent = pct(cache.hitRate ?? 0);
  $('#cache-bar').style.width = pct(cache.hitRate ?? 0);
  $('#cache-detail').textContent = `${cache.hits ?? 0} hits · ${cache.misses ?? 0} misses`;
  push(history.cache, cache.hitRate ?? 0);
  spark($('#cache-spark'), [{ values: history.cache, cls: 'line-gold' }], { max: 1 });

  const q = o.queue ?? {};
  $('#queue-depth').textContent = String((q.waiting ?? 0) + (q.active ?? 0) + (q.delayed ?? 0));
  $('#queue-detail').textContent =
    `${q.waiting ?? 0} waiting · ${q.active ?? 0} active · ${q.delayed ?? 0} delayed · ${q.completed ?? 0} done · ${q.failed ?? 0} failed`;
  push(history.queue, (q.waiting ?? 0) + (q.active ?? 0) + (q.delayed ?? 0));
  spark($('#queue-spark'), [{ values: history.queue, cls: 'line-amber' }]);

  const m = o.model ?? {};
  $('#model-calls').textContent = String(m.calls ?? 0);
  const failRate = m.calls ? (m.failures ?? 0) / m.calls : 0;
  $('#model-detail').textContent = `${m.failures ?? 0} failures (${pct(failRate)}) · ${m.timeouts ?? 0} timeouts`;
  $('#model-detail').dataset.bad = String(failRate > 0.2);
  $('#model-status').textContent =
    m.status === 'failing'
      ? `model failing: ${m.reason ?? 'no answer'}`
      : m.status === 'ok'
        ? 'model answering'
        : 'model not heard from yet';
  $('#model-status').dataset.bad = String(m.status === 'failing');
  const prevCalls = history.model.lastCalls ?? m.calls ?? 0;
  push(history.model, Math.max(0, (m.calls ?? 0) - prevCalls));
  history.model.lastCalls = m.calls ?? 0;
  spark($('#model-spark'), [{ values: history.model, cls: 'line-gold' }]);

  const c = o.cost;
  $('#cost-hour').textContent = c ? usd(c.hourUsd) : '—';
  $('#cost-detail').textContent = c
    ? `${usd(c.perTurnUsd)} per player turn (${c.turnsThisHour} turns) · cache ${c.cacheHits} hits, ${c.cacheMisses} misses, ${usd(c.savedUsd)} saved`
    : 'no spend ledger on this server';

  $('#sse').textContent = String(o.sseClients ?? 0);
  push(history.sse, o.sseClients ?? 0);
  spark($('#sse-spark'), [{ values: history.sse, cls: 'line-teal' }]);

  const ops = Object.entries(o.hotPath ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const rows = ops.map(([name, s]) => {
    const hist = history.ops.get(name) ?? { p50: [], p99: [] };
    push(hist.p50, s.p50Ms ?? 0);
    push(hist.p99, s.p99Ms ?? 0);
    history.ops.set(name, hist);
    const svg = h('svg:svg', { class: 'spark spark-row', viewBox: '0 0 120 28', preserveAspectRatio: 'none', 'aria-hidden': 'true' });
    spark(svg, [
      { values: hist.p50, cls: 'line-gold' },
      { values: hist.p99, cls: 'line-amber' },
    ]);
    return h(
      'tr',
      { 'data-op': name },
      h('th', { scope: 'row', class: 'op-name' }, name),
      h('td', { class: 'num' }, String(s.count ?? 0)),
      h('td', { class: 'num', 'data-level': level(s.p50Ms ?? 0) }, ms(s.p50Ms)),
      h('td', { class: 'num', 'data-level': level(s.p99Ms ?? 0) }, ms(s.p99Ms)),
      h('td', { class: 'trend' }, svg),
    );
  });
  $('#hot-path').replaceChildren(
    ...(rows.length ? rows : [h('tr', {}, h('td', { colspan: '5', class: 'muted' }, 'No hot-path operations recorded yet.'))]),
  );
  $('#budget-note').textContent = `· budget ${BUDGET_MS} ms at p99`;
  $('#updated').textContent = `Updated ${new Date().toLocaleTimeString()}`;
}

function setLive(status, label) {
  $('#live').dataset.status = status;
  $('#live').lastElementChild.textContent = label;
}

async function poll() {
  try {
    render(await api.ops());
    setLive('live', 'live');
  } catch (err) {
    setLive('offline', err.message ?? 'offline');
  } finally {
    setTimeout(poll, document.hidden ? POLL_MS * 3 : POLL_MS);
  }
}

poll();
