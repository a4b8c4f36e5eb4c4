import type { GameState } from '../../src/conflict/engine/game-state.js';
import { HttpClient } from './http-client.js';
import { OperationStats, type LatencySummary } from './operation-stats.js';
import { sumOf, type MetricSample } from './prometheus.js';
import { sleep } from './phase-clock.js';
import { createGame } from './virtual-player.js';

/**
 * The dispatch storm: N concurrent state syncs of one game whose social bundle nobody has
 * generated yet. Each sync misses the bundle; the lock and the queue's dedupe key must turn that
 * into exactly one generation job — one model call — instead of N.
 *
 * The game's conflicts are resolved first: the bundle is keyed by the scene (who is present, which
 * conflicts are in which phase), and a game's syncs run one after another, so with live conflicts
 * the phases move during the storm and each new scene rightly gets its own bundle.
 */
export interface StormResult {
  triggers: number;
  /** Bundle jobs started by the storm; each makes one model call (its gossip line). */
  modelCalls: number;
  bundleDispatches: { accepted: number; deduplicated: number };
  /** Syncs that found the bundle lock held and dispatched nothing. */
  lockHeld: number;
  /** Every gateway call during the storm by kind, bundle or not (empty when workers run in another process). */
  modelCallsByKind: Record<string, number>;
  latency: LatencySummary;
}

const BUNDLE_TASK = 'social.generate_bundle';

export async function runDispatchStorm(baseUrl: string, triggers: number, scrape: () => Promise<MetricSample[]>): Promise<StormResult> {
  // A client of its own: one connection per trigger, all sent at once.
  const client = new HttpClient(baseUrl);
  try {
    const { gameId, token, state } = await createGame(client, 7);
    await resolveEveryConflict(client, state, token);
    const before = await scrape();
    const stats = new OperationStats();
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: triggers }, () => client.request('GET', `/api/games/${gameId}/state`, { token })),
    );
    const elapsedS = (Date.now() - started) / 1000;
    for (const answer of answers) stats.record(answer.ms, answer.status === 200 ? 'ok' : 'error');
    const after = await settledScrape(scrape);
    const dispatches = (result: string) =>
      sumOf(after, 'nyx_queue_dispatch_total', { task: BUNDLE_TASK, result }) -
      sumOf(before, 'nyx_queue_dispatch_total', { task: BUNDLE_TASK, result });
    const accepted = dispatches('accepted');
    const deduplicated = dispatches('deduplicated');
    return {
      triggers,
      modelCalls: accepted,
      bundleDispatches: { accepted, deduplicated },
      lockHeld: triggers - accepted - deduplicated,
      modelCallsByKind: callsByKind(before, after),
      latency: stats.summary(elapsedS),
    };
  } finally {
    client.close();
  }
}

async function resolveEveryConflict(client: HttpClient, state: GameState, token: string): Promise<void> {
  for (const conflict of state.conflicts) {
    const resolved = await client.request('POST', `/api/games/${state.gameId}/conflicts/${conflict.id}/resolve`, {
      token,
      body: { outcome: 'Settled before the storm' },
    });
    if (resolved.status !== 200) throw new Error(`resolving conflict ${conflict.id} for the storm answered ${resolved.status}`);
  }
}

/** Scrapes once the queue is empty again (or after 60 s), so the storm's jobs have run. */
async function settledScrape(scrape: () => Promise<MetricSample[]>): Promise<MetricSample[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const samples = await scrape();
    const pending = ['waiting', 'active', 'delayed'].reduce((n, state) => n + sumOf(samples, 'nyx_queue_jobs', { state }), 0);
    if (pending === 0 || Date.now() > deadline) return samples;
    await sleep(200);
  }
}

function callsByKind(before: MetricSample[], after: MetricSample[]): Record<string, number> {
  const kinds = new Set(after.filter((s) => s.name === 'nyx_model_calls_total').map((s) => s.labels.kind!));
  const calls: Record<string, number> = {};
  for (const kind of kinds) {
    const delta = sumOf(after, 'nyx_model_calls_total', { kind }) - sumOf(before, 'nyx_model_calls_total', { kind });
    if (delta > 0) calls[kind] = delta;
  }
  return calls;
}
