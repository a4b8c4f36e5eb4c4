import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContentItemView, GameState } from '../src/conflict/engine/game-state.js';
import { startChild } from './lib/child-process.js';
import { HttpClient } from './lib/http-client.js';

/**
 * `npm run bench:burst`: one impatient player on `npm start` (embedded, its default model: the
 * offline writer at 300–1500 ms, QUEUE_CONCURRENCY 8). They make `--choices` choices as fast as
 * they are answered and open `--conflicts` conflicts, then stop and wait. Every half second the
 * bench reads the state and reports how the newest `--newest` feed items stand, until all are
 * written by the model (`ready`/`generated`) or `--wait` seconds pass.
 *
 * The goal: within 15 s of the pause, the newest 20 items are all `ready`, none `generating`, none
 * `failed`: written by the model (`generated`), or a line the rules write by design with no model
 * call behind it (`ready`/`fallback`: a role change, a resolution), which the report counts apart.
 * Exit code 0 when met, 1 when missed, 2 on a usage error.
 */
const USAGE = `usage: npm run bench:burst -- [--choices N] [--conflicts N] [--newest N] [--wait S]

  --choices N     quick choices (default 30)
  --conflicts N   conflicts opened among them (default 10)
  --newest N      the feed items that must all be written (default 20)
  --wait S        how long the pause may last (default 15)`;

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      choices: { type: 'string', default: '30' },
      conflicts: { type: 'string', default: '10' },
      newest: { type: 'string', default: '20' },
      wait: { type: 'string', default: '15' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help' as const;
  const whole = (name: keyof typeof values) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name}: expected a whole number ≥ 1, got "${values[name]}"`);
    return value;
  };
  return { choices: whole('choices'), conflicts: whole('conflicts'), newest: whole('newest'), waitS: whole('wait') };
}

const standing = (items: ContentItemView[]) => ({
  generated: items.filter((item) => item.status === 'ready' && item.origin === 'generated').length,
  ruleLines: items.filter((item) => item.status === 'ready' && item.origin === 'fallback').length,
  generating: items.filter((item) => item.status === 'generating').length,
  failed: items.filter((item) => item.status === 'failed').length,
});

async function run(argv: string[]): Promise<number> {
  let opts: ReturnType<typeof options>;
  try {
    opts = options(argv);
  } catch (error) {
    console.error(`bench:burst: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts === 'help') {
    console.log(USAGE);
    return 0;
  }
  const { REDIS_URL: _redis, DATABASE_URL: _database, LLM_BASE_URL: _llm, ...env } = process.env;
  const server = await startChild(
    ['src/cli/main.ts', 'serve'],
    { ...env, NYX_DATA_DIR: ':memory:', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    /Nyx is running: (http:\/\/127\.0\.0\.1:\d+)\//,
    { cwd: REPO_ROOT },
  );
  const client = new HttpClient(server.match[1]!);
  try {
    const created = await client.request<{ gameId: string; token: string; state: GameState }>('POST', '/api/games', {
      body: { scenario: 'village-well', seed: 42 },
    });
    const { gameId, token } = created.body;
    let state = created.body.state;
    const burstStarted = Date.now();
    const conflictEvery = Math.max(1, Math.floor(opts.choices / opts.conflicts));
    let conflicts = 0;
    for (let i = 0; i < opts.choices; i++) {
      if (i % conflictEvery === 0 && conflicts < opts.conflicts) {
        const [first, second] = state.scene.npcs;
        if (first && second) {
          const opened = await client.request('POST', `/api/games/${gameId}/conflicts`, {
            token,
            body: { type: 'trade dispute', npcIds: [first.id, second.id] },
          });
          if (opened.status === 201) conflicts++;
        }
      }
      const choice = state.choices[i % Math.max(1, state.choices.length)];
      if (!choice) break;
      const made = await client.request<{ state: GameState }>('POST', `/api/games/${gameId}/choices`, {
        token,
        body: { choiceId: choice.id },
      });
      if (made.status === 200) state = made.body.state;
    }
    const pausedAt = Date.now();
    console.log(`burst: ${opts.choices} choices and ${conflicts} conflicts in ${((pausedAt - burstStarted) / 1000).toFixed(1)} s; pausing`);
    let newest: ContentItemView[] = [];
    for (;;) {
      const synced = await client.request<GameState>('GET', `/api/games/${gameId}/state`, { token });
      newest = synced.body.content.slice(0, opts.newest);
      const now = standing(newest);
      const elapsed = (Date.now() - pausedAt) / 1000;
      console.log(
        `  +${elapsed.toFixed(1)} s: newest ${newest.length}: ${now.generated} generated, ${now.ruleLines} rule lines, ${now.generating} generating, ${now.failed} on their fallback`,
      );
      if (now.generating + now.failed === 0) {
        console.log(
          `goal met ${elapsed.toFixed(1)} s into the pause (goal ≤ ${opts.waitS} s): of the newest ${newest.length} feed items, ${now.generated} written by the model, ${now.ruleLines} rule lines by design, none generating, none failed`,
        );
        return 0;
      }
      if (elapsed >= opts.waitS) break;
      await sleep(500);
    }
    const left = newest.filter((item) => item.status !== 'ready');
    console.log(`goal MISSED after ${opts.waitS} s: ${left.map((item) => `${item.kind} ${item.status}/${item.origin}`).join(', ')}`);
    return 1;
  } finally {
    client.close();
    await server.stop();
  }
}

process.exit(await run(process.argv.slice(2)));
