import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Nyx } from '../../src/app/nyx.js';
import { ConfigError } from '../../src/config/config.js';
import {
  capInput,
  LlmGateway,
  OfflineProvider,
  RecordingProvider,
  ReplayMissError,
  ReplayProvider,
  taskKinds,
} from '../../src/gateway/index.js';
import { recordedCall } from '../../src/gateway/recording/recorded-call.js';
import { seededRandom } from '../support/seeded-random.js';
import { describeWithServices } from '../support/services.js';
import { eventually, startTestNyx, type Backend } from '../support/nyx-harness.js';
import { sampleInputs } from './sample-inputs.js';

/** Waits until no job waits or runs. */
async function idle(nyx: Nyx): Promise<void> {
  await eventually(
    () => nyx.queue.counts(),
    (counts) => counts.waiting + counts.active === 0,
    30_000,
    25,
  );
}

/**
 * A fixed game: a new conflict, a choice aimed at one of its stakeholders, its resolution. Each request waits for the jobs it
 * dispatched (NYX_HOT_PATH=blocking), one job runs at a time and the rules roll seeded dice
 * (given to `startTestNyx`), so the model is asked the same things in the same order whenever the script runs.
 */
async function scriptedGame(nyx: Nyx): Promise<string[]> {
  const { gameId, state: opening } = await nyx.engine.createGame({ scenario: 'village-well', seed: 7 });
  await idle(nyx);
  const [first, second] = opening.scene.npcs;
  const { conflict, state } = await nyx.engine.createConflict(gameId, {
    type: 'political power struggle',
    npcIds: [first!.id, second!.id],
    title: 'The Miller’s Due',
  });
  await idle(nyx);
  const confront = state.choices.find((c) => c.conflictId === conflict.id && c.targetNpcId !== undefined)!;
  await nyx.engine.makeChoice(gameId, confront.id);
  await idle(nyx);
  await nyx.engine.resolveConflict(gameId, conflict.id, { outcome: 'The due is waived for a year', winnerNpcIds: [first!.id] });
  await idle(nyx);
  const final = await nyx.engine.getState(gameId);
  expect(final.content.filter((c) => c.origin === 'generated').length).toBeGreaterThan(3);
  return final.content.map((c) => `${c.kind}|${c.status}|${c.origin}|${c.text}`).sort();
}

// One job at a time, in order; and no job shed for the time it waited, however loaded the machine.
const deterministic = { NYX_HOT_PATH: 'blocking', QUEUE_CONCURRENCY: '1', LLM_SIM_LATENCY_MS: '0', SLOW_PATH_HORIZON_MS: '600000' };

function recordThenReplay(backend: Backend) {
  it('replays a recorded game to the same feed texts, with no model but the recording', async () => {
    const dir = mkdtempSync(join(tmpdir(), `nyx-recording-${backend}-`));
    const recording = await startTestNyx(backend, { ...deterministic, LLM_RECORD: dir }, { random: seededRandom(2026) });
    let recorded: string[];
    try {
      recorded = await scriptedGame(recording.nyx);
    } finally {
      await recording.stop();
    }
    const lines = readdirSync(dir).flatMap((file) => readFileSync(join(dir, file), 'utf8').trim().split('\n'));
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(recordedCall.safeParse(JSON.parse(line)).success).toBe(true);

    const replay = await startTestNyx(
      backend,
      { ...deterministic, LLM_PROVIDER: 'replay', LLM_REPLAY: dir, LLM_REPLAY_LATENCY: '0' },
      { random: seededRandom(2026) },
    );
    try {
      expect(await scriptedGame(replay.nyx)).toEqual(recorded);
    } finally {
      await replay.stop();
    }
  }, 120_000);
}

describe('record and replay on the embedded backend', () => recordThenReplay('embedded'));
describeWithServices('record and replay on the distributed backend', ['redis', 'postgres'], () => recordThenReplay('distributed'));

describe('ReplayProvider', () => {
  const request = (kind: 'gossip' | 'lore_check', input: unknown) => ({
    input: capInput(input),
    prompt: taskKinds[kind].buildPrompt(input as never),
    schema: taskKinds[kind].output,
    maxOutputTokens: 1000,
    seed: 3,
    signal: new AbortController().signal,
    gameId: undefined,
    priority: 5,
    kind,
  });

  async function recordOne(): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'nyx-replay-'));
    const recorder = new RecordingProvider(new OfflineProvider(), dir);
    await recorder.complete(request('gossip', sampleInputs.gossip));
    return dir;
  }

  it('answers with the recorded output and its recorded latency, or at once', async () => {
    const dir = await recordOne();
    const [file] = readdirSync(dir);
    const line = JSON.parse(readFileSync(join(dir, file!), 'utf8')) as { latencyMs: number; output: unknown };
    writeFileSync(join(dir, file!), `${JSON.stringify({ ...line, latencyMs: 300 })}\n`);
    const expected = await new OfflineProvider().complete(request('gossip', sampleInputs.gossip));

    const slow = new ReplayProvider(dir, { latency: true, onMiss: undefined });
    let started = performance.now();
    expect((await slow.complete(request('gossip', sampleInputs.gossip))).answer).toEqual(expected.answer);
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);

    const fast = new ReplayProvider(dir, { latency: false, onMiss: undefined });
    started = performance.now();
    expect((await fast.complete(request('gossip', sampleInputs.gossip))).answer).toEqual(expected.answer);
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('fails a request it has no answer for, permanently and by name, unless the offline writer is asked to answer', async () => {
    const dir = await recordOne();
    const strict = new ReplayProvider(dir, { latency: false, onMiss: undefined });
    const miss = await strict.complete(request('lore_check', sampleInputs.lore_check)).catch((e: unknown) => e);
    expect(miss).toBeInstanceOf(ReplayMissError);
    expect(miss).toMatchObject({ retryable: false });
    expect((miss as Error).message).toMatch(/"lore_check".*LLM_REPLAY_MISS=offline/);

    const lenient = new LlmGateway(new ReplayProvider(dir, { latency: false, onMiss: new OfflineProvider() }), 30_000);
    await expect(lenient.generate('lore_check', { input: sampleInputs.lore_check })).resolves.toMatchObject({
      usage: { model: 'nyx-offline-grammar-1' },
    });
  });

  it('names the file and line of a broken recording, and refuses a folder without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nyx-replay-bad-'));
    expect(() => new ReplayProvider(dir, { latency: false, onMiss: undefined })).toThrow(ConfigError);
    writeFileSync(join(dir, 'a.jsonl'), '{"kind": "gossip"}\n');
    expect(() => new ReplayProvider(dir, { latency: false, onMiss: undefined })).toThrow(
      /^LLM_REPLAY: expected recorded calls.*a\.jsonl:1"$/,
    );
    writeFileSync(join(dir, 'a.jsonl'), '\nnot json\n');
    expect(() => new ReplayProvider(dir, { latency: false, onMiss: undefined })).toThrow(/a\.jsonl:2"$/);
  });
});
