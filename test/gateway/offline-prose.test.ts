import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Nyx } from '../../src/app/nyx.js';
import type { ContentItemView } from '../../src/conflict/engine/game-state.js';
import { loadBundledScenarios, type Scenario } from '../../src/conflict/scenarios/index.js';
import { eventually, startTestNyx } from '../support/nyx-harness.js';
import { repoRoot } from '../support/processes.js';
import { seededRandom } from '../support/seeded-random.js';

/**
 * What a player reads from the offline writer over a long game, in every shipped scenario: names
 * and never ids, verbs that agree with their subjects, the scenario's own setting and no other's,
 * no sentence frame more than twice in any 20 items the player reads (the writer's lines and the
 * rules' alike), and gossip from more than one mouth.
 */

const TURNS = 20;
const WINDOW = 20;
const MAX_FRAME_REPEATS = 2;

/** Words of the sea: foreign in a scenario whose own file never uses them. */
const SEA_WORDS = /\b(harbour|quay|tides?|ships?|docks?|dockhands|lighthouse|admiralty|sailors?|wharf|wharves|breakwater|masts?)\b/gi;

function sentences(text: string): string[] {
  return text
    .replace(/[“”"]/g, '')
    .split(/(?<=[.!?])\s+|:\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A sentence with the story's names masked, cut to its first four words: what a reader recognises as "that line again". */
function frameOf(sentence: string, names: readonly string[]): string | undefined {
  let masked = sentence;
  // A place name reads "the Drowned Bell" inside a sentence: it is masked either way.
  for (const name of names)
    masked = masked.replace(new RegExp(escapeRegExp(name.replace(/[“”"]/g, '')).replace(/^The /, '[Tt]he '), 'g'), 'X');
  const words = masked
    .toLowerCase()
    .replace(/[^a-z' ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
  return words.length >= 4 ? words.slice(0, 4).join(' ') : undefined;
}

/** The most times one frame appears in any run of `WINDOW` consecutive items. */
function worstFrameRepeat(texts: readonly string[], names: readonly string[]): { frame: string; count: number } {
  let worst = { frame: '', count: 0 };
  for (let start = 0; start + Math.min(WINDOW, texts.length) <= texts.length; start++) {
    const counts = new Map<string, number>();
    for (const text of texts.slice(start, start + WINDOW)) {
      // A frame counts once per item: one item repeating itself is a different fault.
      for (const frame of new Set(
        sentences(text)
          .map((s) => frameOf(s, names))
          .filter((f) => f !== undefined),
      )) {
        const count = (counts.get(frame) ?? 0) + 1;
        counts.set(frame, count);
        if (count > worst.count) worst = { frame, count };
      }
    }
  }
  return worst;
}

/** Plural subjects with a singular verb: "A and B keeps", "they has", "the dockhands is". */
function agreementErrors(text: string, pluralGroups: readonly string[]): string[] {
  const singularVerb = String.raw`(?:has|is|was|does|(?!(?:this|us|yes|less|across)\b)[a-z]+[^su\s]s)\b`;
  const patterns = [
    new RegExp(String.raw`\b[A-Z][\w'"]*(?: [A-Z"][\w'"]*)* and [A-Z][\w'"]*(?: [A-Z"][\w'"]*)* ${singularVerb}`, 'g'),
    new RegExp(String.raw`\b[Tt]hey ${singularVerb}`, 'g'),
    /\byour \w+s (?:was|is|has)\b/g,
    ...pluralGroups.map((group) => new RegExp(String.raw`\b${group} ${singularVerb}`, 'gi')),
  ];
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((m) => m[0]));
}

/** Who passes gossip on: a name outside the quoted line, whichever frame the writer chose. */
function speakersOf(gossips: readonly string[], npcNames: readonly string[]): Set<string> {
  const framings = gossips.filter((text) => text.includes('“')).map((text) => text.replace(/“[^”]*”/g, ''));
  return new Set(npcNames.filter((name) => framings.some((framing) => framing.includes(name))));
}

/** Ids a scenario file uses that a reader must never see: every id with a hyphen in it. */
function idsOf(scenario: Scenario): string[] {
  const ids = [
    scenario.id,
    ...scenario.locations.map((l) => l.id),
    ...scenario.npcs.map((n) => n.id),
    ...scenario.conflicts.map((c) => c.id),
  ];
  return ids.filter((id) => id.includes('-'));
}

function namesOf(scenario: Scenario): string[] {
  const names = [...scenario.npcs.map((n) => n.name), ...scenario.locations.map((l) => l.name), ...scenario.conflicts.map((c) => c.title)];
  // Longest first, so "Ansel Brack" is masked before a shorter name inside it.
  return names.sort((a, b) => b.length - a.length);
}

describe('the offline writer over a long game', () => {
  let nyx: Nyx;
  let stop: () => Promise<void>;
  let scenarios: Scenario[];

  beforeAll(async () => {
    // One job at a time: each line is written having read every line before it. With concurrent
    // workers two lines written in the same moment cannot see each other and may share a frame.
    // The writer's prose is under test, so every job writes: none is shed for the time it waited.
    // The rules' dice (who acts, what they do) are seeded, so the game played is the same each run.
    ({ nyx, stop } = await startTestNyx(
      'embedded',
      { QUEUE_CONCURRENCY: '1', SLOW_PATH_HORIZON_MS: '600000' },
      { random: seededRandom(7) },
    ));
    scenarios = await loadBundledScenarios();
  }, 180_000);
  afterAll(async () => stop?.());

  /** Plays `TURNS` choices, each after the last one's work is done; returns the feed oldest first. */
  async function play(scenario: string): Promise<ContentItemView[]> {
    const { gameId } = await nyx.engine.createGame({ scenario, seed: 7 });
    // Every job of the turn done, those that fill no item too (a profile): the next turn's work then
    // finds an idle queue, and none of it is refused for want of room.
    const settled = () =>
      eventually(
        async () => ({ state: await nyx.engine.getState(gameId), queue: await nyx.queue.counts() }),
        ({ state, queue }) => state.content.every((item) => item.status !== 'generating') && queue.waiting + queue.active === 0,
        15_000,
        50,
      );
    await settled();
    for (let turn = 0; turn < TURNS; turn++) {
      const state = await nyx.engine.getState(gameId);
      const choice = state.choices[(turn * 3) % state.choices.length]!;
      await nyx.engine.makeChoice(gameId, choice.id).catch(() => undefined); // a choice gone stale is a skipped turn
      await settled();
    }
    return (await nyx.feed.recent(gameId, 1_000)).reverse();
  }

  for (const id of ['village-well', 'harbour-dock-rights', 'court-of-succession']) {
    it(`reads as a story, not templates, in ${id}`, async () => {
      const scenario = scenarios.find((s) => s.id === id)!;
      const file = await readFile(join(repoRoot, 'scenarios', `${id}.yaml`), 'utf8');
      const items = await play(id);
      const texts = items.map((item) => item.text);
      expect(texts.length, 'a long game has a long feed').toBeGreaterThan(40);
      const prose = texts.join('\n');

      for (const sceneId of idsOf(scenario)) expect(prose, `the id "${sceneId}" in the prose`).not.toMatch(new RegExp(`\\b${sceneId}\\b`));
      expect(prose).not.toMatch(/\b(npc|conflict|stakeholder|location) \d+\b/i);
      // A place reads "in the Drowned Bell" inside a sentence, not "in The Drowned Bell".
      for (const { name } of scenario.locations.filter((l) => l.name.startsWith('The ')))
        expect(prose).not.toMatch(new RegExp(`[a-z,;] ${name}`));

      const plural = [...(scenario.setting.vocabulary?.crowds ?? [])];
      expect(texts.flatMap((text) => agreementErrors(text, plural))).toEqual([]);

      const foreign = [...prose.matchAll(SEA_WORDS)].map((m) => m[0].toLowerCase()).filter((word) => !file.toLowerCase().includes(word));
      expect([...new Set(foreign)], 'words from another setting').toEqual([]);
      expect(prose).not.toMatch(/\.\./);

      // Every line the player reads counts, the rules' own as much as the writer's.
      const worst = worstFrameRepeat(texts, namesOf(scenario));
      expect(worst.count, `"${worst.frame}…" ${worst.count} times in ${WINDOW} items`).toBeLessThanOrEqual(MAX_FRAME_REPEATS);

      const gossips = items.filter((item) => item.kind === 'gossip').map((item) => item.text);
      const speakers = speakersOf(
        gossips,
        scenario.npcs.map((n) => n.name),
      );
      expect(speakers.size, 'gossip from several NPCs').toBeGreaterThanOrEqual(Math.min(3, scenario.npcs.length - 1));
    }, 180_000);
  }
});

describe('the prose measures', () => {
  it('catch the faults they are for', () => {
    expect(agreementErrors('Maren Coble and Lisbet Vane keeps letters. They has debts.', [])).toEqual([
      'Maren Coble and Lisbet Vane keeps',
      'They has',
    ]);
    expect(agreementErrors('Even the dockhands takes notice.', ['the dockhands'])).toEqual(['the dockhands takes']);
    expect(agreementErrors('Maren Coble and Lisbet Vane keep letters. They have debts. They pass.', [])).toEqual([]);
    const names = ['Tam'];
    expect(worstFrameRepeat(['So says Tam, at least.', 'So says Tam, at least.', 'So says Tam, at least.'], names).count).toBe(3);
    expect(frameOf('Tam leans close to you', names)).toBe('x leans close to');
    const gossips = ['According to Tam: “Ada owes Bo.”', '“Bo owes Ada.” You did not hear it from Cy.', 'They say Ada owes Bo.'];
    expect([...speakersOf(gossips, ['Ada', 'Bo', 'Cy', 'Tam'])].sort()).toEqual(['Cy', 'Tam']);
  });
});
