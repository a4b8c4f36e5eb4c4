/**
 * `npm run bench:models [-- path/to/model.gguf]`: one game of five choices against a real model run
 * in-process (LLM_PROVIDER=llama-cpp, JSON-schema grammars), then how many of the model's answers
 * were accepted, by kind, and whether anything was left `generating` once the queue drained.
 * Default model: the tiny random-weight GGUF of the test fixtures. Exits 1 below 95 % or when
 * something stays `generating`.
 */
import { fileURLToPath } from 'node:url';
import { startNyx } from '../src/app/nyx.js';
import { loadConfig } from '../src/config/config.js';
import { setLogLevel } from '../src/observability/logger.js';
import { metrics } from '../src/observability/metrics.js';

const CHOICES = 5;
const REQUIRED_ACCEPTANCE = 0.95;
const DRAIN_TIMEOUT_MS = 15 * 60_000;
const modelPath = process.argv[2] ?? fileURLToPath(new URL('../test/fixtures/models/llama-2-tiny-random.gguf', import.meta.url));

const config = loadConfig({
  NYX_DATA_DIR: ':memory:',
  LLM_PROVIDER: 'llama-cpp',
  LLM_MODEL_PATH: modelPath,
  LLM_SEQUENCES: '2',
  LLM_THREADS: process.env.LLM_THREADS ?? '1',
  // As many jobs at once as the model has sequences: a job waiting for one would spend its time budget waiting.
  QUEUE_CONCURRENCY: '2',
  TASK_BACKOFF_MS: '500',
  DISABLE_LLM_IN_HOT_PATH: '1',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
});
setLogLevel(config.logLevel);
const nyx = await startNyx(config, { workers: true });
const started = Date.now();

const { gameId } = await nyx.engine.createGame({ scenario: 'village-well', seed: 11 });
for (let turn = 0; turn < CHOICES; turn++) {
  const { choices } = await nyx.engine.getState(gameId);
  const choice = choices[turn % choices.length];
  if (!choice) break;
  await nyx.engine.makeChoice(gameId, choice.id);
}

// Drained means no job left and none appearing for a moment (a finished job may dispatch another).
let idleSince: number | undefined;
while (Date.now() - started < DRAIN_TIMEOUT_MS) {
  const counts = await nyx.queue.counts();
  const busy = counts.waiting + counts.active + counts.delayed > 0;
  if (busy) idleSince = undefined;
  else if ((idleSince ??= Date.now()) < Date.now() - 3_000) break;
  // Reading the state also lets the hot path dispatch what a player's next poll would.
  await nyx.engine.getState(gameId);
  await new Promise((resolve) => setTimeout(resolve, 500));
}
const state = await nyx.engine.getState(gameId);

const byKind = new Map<string, { accepted: number; rejected: number; failed: number }>();
for (const { labels, value } of (await metrics.modelCalls.get()).values) {
  const row = byKind.get(String(labels.kind)) ?? { accepted: 0, rejected: 0, failed: 0 };
  if (labels.outcome === 'ok') row.accepted += value;
  else if (labels.outcome === 'invalid_output') row.rejected += value;
  else row.failed += value;
  byKind.set(String(labels.kind), row);
}
const corrections = new Map<string, number>();
for (const { labels, value } of (await metrics.modelOutputCorrections.get()).values) {
  corrections.set(String(labels.correction), (corrections.get(String(labels.correction)) ?? 0) + value);
}
const totals = [...byKind.values()].reduce(
  (t, r) => ({ accepted: t.accepted + r.accepted, rejected: t.rejected + r.rejected, failed: t.failed + r.failed }),
  {
    accepted: 0,
    rejected: 0,
    failed: 0,
  },
);
const rate = totals.accepted / Math.max(1, totals.accepted + totals.rejected);
const generating = [
  ...state.content.filter((item) => item.status === 'generating').map((item) => `${item.kind} ${item.id}`),
  ...(state.tension.status === 'generating' ? ['tension'] : []),
];

console.log(`model ${modelPath}, ${CHOICES} choices, ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log('kind'.padEnd(24), 'accepted', 'rejected', 'failed');
for (const [kind, row] of [...byKind].sort())
  console.log(kind.padEnd(24), String(row.accepted).padStart(8), String(row.rejected).padStart(8), String(row.failed).padStart(6));
console.log(
  `answers accepted: ${totals.accepted} of ${totals.accepted + totals.rejected} (${(rate * 100).toFixed(1)} %); calls failed without an answer: ${totals.failed}`,
);
console.log(`corrections: ${[...corrections].map(([kind, count]) => `${kind} ${count}`).join(', ') || 'none'}`);
console.log(`left generating: ${generating.length === 0 ? 'nothing' : generating.join(', ')}`);
await nyx.close({ graceMs: 1_000 });
process.exit(rate >= REQUIRED_ACCEPTANCE && generating.length === 0 ? 0 : 1);
