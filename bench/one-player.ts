import { parseArgs } from 'node:util';
import type { GameState } from '../src/conflict/engine/game-state.js';
import { HttpClient } from './lib/http-client.js';
import { DistributedServices, startDistributedNyx, startEmbeddedNyx } from './lib/nyx-target.js';
import { FULL_DEFAULTS } from './lib/options.js';
import { createGame } from './lib/virtual-player.js';

/**
 * `npx tsx bench/one-player.ts [--turns N] [--think-ms MS] [--distributed]` (default 300 turns,
 * 100 ms between them): what each player operation takes with one player and nothing else
 * running, the least a player under load can wait on this machine. One embedded Nyx in a process
 * of its own, in memory (`--distributed`: one web and one worker process on REDIS_URL and
 * DATABASE_URL, as `npm run bench -- --distributed` runs them), with the model at the bench's
 * default 2–5 s, so the slow path writes back as it would for a real player. One player: each turn
 * is a `/healthz`, a state sync (no tag, so the answer has its body), a choice, every third turn a
 * new conflict, then the think time, so the work a request set off in the background has run
 * before the next turn. A game that runs out of choices is replaced by a new one.
 */
const { values } = parseArgs({
  options: { turns: { type: 'string' }, 'think-ms': { type: 'string' }, distributed: { type: 'boolean', default: false } },
});
const turns = Number(values.turns ?? 300);
const thinkMs = Number(values['think-ms'] ?? 100);

const target = values.distributed
  ? await startDistributedNyx('async', FULL_DEFAULTS, DistributedServices.fromEnvironment())
  : await startEmbeddedNyx('async', FULL_DEFAULTS);
const client = new HttpClient(target.baseUrl);
const times = { healthz: [] as number[], stateSync: [] as number[], playerChoice: [] as number[], conflictCreation: [] as number[] };
try {
  let game = await createGame(client, 1);
  for (let turn = 0; turn < turns; turn++) {
    times.healthz.push((await client.request('GET', '/healthz')).ms);
    const synced = await client.request<GameState>('GET', `/api/games/${game.gameId}/state`, { token: game.token });
    times.stateSync.push(synced.ms);
    let { choices, scene } = synced.body;
    if (choices.length === 0) {
      game = await createGame(client, 2 + turn);
      ({ choices, scene } = game.state);
    }
    const made = await client.request('POST', `/api/games/${game.gameId}/choices`, {
      token: game.token,
      body: { choiceId: choices[0]!.id },
    });
    if (made.status === 200) times.playerChoice.push(made.ms);
    if (turn % 3 === 0 && scene.npcs.length >= 2) {
      const created = await client.request('POST', `/api/games/${game.gameId}/conflicts`, {
        token: game.token,
        body: { type: 'trade dispute', npcIds: [scene.npcs[0]!.id, scene.npcs[1]!.id] },
      });
      if (created.status === 201) times.conflictCreation.push(created.ms);
    }
    await new Promise((resolve) => setTimeout(resolve, thinkMs));
  }
} finally {
  client.close();
  await target.close();
}

const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2).padStart(7);
console.log(
  `one player, ${values.distributed ? 'distributed' : 'embedded'}, ${turns} turns ${thinkMs} ms apart, nothing else running; times in ms`,
);
console.log('operation           count      min      p50      p90      p99      max');
for (const [operation, measured] of Object.entries(times)) {
  const sorted = [...measured].sort((a, b) => a - b);
  if (sorted.length === 0) continue;
  console.log(
    `${operation.padEnd(17)} ${String(sorted.length).padStart(7)}  ${at(sorted, 0)}  ${at(sorted, 0.5)}  ${at(sorted, 0.9)}  ${at(sorted, 0.99)}  ${at(sorted, 1)}`,
  );
}
process.exit(0);
