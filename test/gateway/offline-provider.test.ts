import { describe, expect, it } from 'vitest';
import { capInput, kinds, OfflineProvider, taskKinds, type Kind } from '../../src/gateway/index.js';
import { familiarity, openingCounts, openingsOf, textsOf } from '../../src/gateway/providers/offline/openings.js';
import { proseOf, sampleInputs } from './sample-inputs.js';

const provider = new OfflineProvider();

async function answer(kind: Kind, seed: number, input: unknown = sampleInputs[kind], recent: string[] = []): Promise<unknown> {
  const completion = await provider.complete({
    kind,
    input: capInput(input),
    prompt: taskKinds[kind].buildPrompt(input as never),
    schema: taskKinds[kind].output,
    maxOutputTokens: 1000,
    seed,
    signal: new AbortController().signal,
    gameId: undefined,
    priority: 5,
    recent,
  });
  expect(completion.answer.type).toBe('json');
  return completion.answer.type === 'json' ? completion.answer.value : undefined;
}

describe('OfflineProvider', () => {
  it.each(kinds)('answers %s schema-valid for 1,000 seeds', async (kind) => {
    const schema = taskKinds[kind].output;
    const distinct = new Set<string>();
    for (let seed = 0; seed < 1000; seed++) {
      const value = await answer(kind, seed);
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw new Error(`${kind} seed ${seed}: ${parsed.error.message}\n${JSON.stringify(value)}`);
      expect(JSON.stringify(value).length).toBeLessThanOrEqual(taskKinds[kind].maxOutputChars);
      distinct.add(JSON.stringify(value));
    }
    expect(distinct.size).toBeGreaterThanOrEqual(50);
  });

  it.each(Object.keys(proseOf) as Kind[])('writes at least 50 distinct %s texts over 1,000 seeds', async (kind) => {
    const texts = new Set<string>();
    for (let seed = 0; seed < 1000; seed++) texts.add(proseOf[kind]!((await answer(kind, seed)) as Record<string, unknown>));
    expect(texts.size).toBeGreaterThanOrEqual(50);
  });

  it('is deterministic for a seed and input, and varies with either', async () => {
    for (const kind of kinds) {
      expect(await answer(kind, 7)).toEqual(await answer(kind, 7));
    }
    const narration = sampleInputs.phase_narration;
    const otherConflict = { ...narration, conflict: { ...narration.conflict, title: 'the chapel bell affair' } };
    expect(await answer('phase_narration', 7, otherConflict)).not.toEqual(await answer('phase_narration', 7));
  });

  it('hears names and places as one another in a sentence opening', () => {
    expect(openingsOf('In the Long Gallery, Prince Aldric turns away to speak. Nobody speaks.')).toEqual(['x turns away to']);
    expect(openingsOf('Lady Morwen Hale turns away to speak with someone else.')).toEqual(['x turns away to']);
    expect(
      openingCounts(['Under a pale moon, Tam leaves.', 'Under a pale moon, Ilse stays. Under a pale moon, again.']).get('x a pale moon'),
    ).toBe(2);
    // Quotes, a colon, titles with "of", hyphens and a leading dash read as the words around them.
    expect(openingsOf('“Have you heard the news today?”')).toEqual(['x you heard the']);
    expect(openingsOf('Hobb Tallow says: have you heard the news')).toEqual(['have you heard the']);
    expect(openingsOf('King Osric of Caldris turns away to go.')).toEqual(['x turns away to']);
    expect(openingsOf('A well-known face turns away.')).toEqual(['x well known face']);
    expect(openingsOf('— Tam turns away to go.')).toEqual(['x turns away to']);
    // Four words make an opening; three do not.
    expect(openingsOf('Tam turns away quickly. Tam turns away.')).toEqual(['x turns away quickly']);
    expect(textsOf({ text: 'one two', more: ['three', { deeper: 'four' }], count: 3, none: null })).toEqual(['one two', 'three', 'four']);
  });

  it('opens its sentences unlike the lines the reader has just read, drafting again when it can', async () => {
    let familiarBefore = 0;
    let familiarAfter = 0;
    for (let seed = 0; seed < 200; seed++) {
      const first = textsOf(await answer('stakeholder_reaction', seed));
      const again = textsOf(await answer('stakeholder_reaction', seed, sampleInputs.stakeholder_reaction, [...first, ...first]));
      const read = new Set(first.flatMap(openingsOf));
      if (first.flatMap(openingsOf).some((opening) => read.has(opening))) familiarBefore++;
      if (again.flatMap(openingsOf).some((opening) => read.has(opening))) familiarAfter++;
    }
    expect(familiarBefore).toBe(200);
    expect(familiarAfter).toBeLessThan(10);
  });

  it("writes in-world prose from the input's names, phase and place", async () => {
    const narration = (await answer('phase_narration', 3)) as { text: string };
    expect(narration.text).toMatch(/Mara Vell|Tomas Reed|Ilse Marren/);
    expect(narration.text).toMatch(/^[A-Z]/);
    expect(narration.text).not.toMatch(/\{|\}|undefined|null/);

    const action = (await answer('stakeholder_action', 11)) as { description: string; target: string | null };
    expect(action.description).toContain('Mara Vell');
    if (action.target !== null) expect(['Tomas Reed', 'Ilse Marren']).toContain(action.target);

    const references = (await answer('canon_references', 5)) as { references: { npc: string }[] };
    for (const reference of references.references) expect(['Mara Vell', 'Tomas Reed', 'Old Bren']).toContain(reference.npc);

    const gossip = (await answer('gossip', 9)) as { about: string[] };
    expect(gossip.about).toEqual(['Mara Vell', 'Tomas Reed']);
  });

  it('keeps answers within the caps when the input carries huge names', async () => {
    const giant = 'Lady '.repeat(400);
    const input = {
      ...sampleInputs.stakeholder_action,
      stakeholder: { ...sampleInputs.stakeholder_action.stakeholder, name: giant },
      scene: { location: giant, others: [giant] },
    };
    for (let seed = 0; seed < 50; seed++) {
      expect(taskKinds.stakeholder_action.output.safeParse(await answer('stakeholder_action', seed, input)).success).toBe(true);
    }
  });

  it('flags content that retells established canon', async () => {
    const retelling = {
      content: 'The guilds swore peace on the quay',
      category: 'conflict',
      knownCanon: ['The guilds swore peace on the quay.'],
    };
    expect(await answer('lore_check', 1, retelling)).toMatchObject({ is_compliant: false });
    expect(await answer('lore_check', 1)).toMatchObject({ is_compliant: true, conflicts: [] });
  });

  it('writes a whole turn: a reaction per reactor by name, and the narration it set off naming the cast', async () => {
    const input = sampleInputs.turn_prose;
    const cast = [...input.reactors.map((r) => r.name), ...input.scene.others];
    for (let seed = 0; seed < 20; seed++) {
      const turn = (await answer('turn_prose', seed)) as { reactions: Array<{ name: string }>; phase_narration: string; beat: string };
      expect(turn.reactions.map((r) => r.name)).toEqual(input.reactors.map((r) => r.name));
      expect(cast.some((name) => turn.phase_narration.includes(name))).toBe(true);
      expect(typeof turn.beat).toBe('string');
    }
    const { phaseChange: _phase, beat: _beat, ...plain } = input;
    expect(await answer('turn_prose', 1, plain)).toMatchObject({ phase_narration: null, beat: null });
  });
});

describe('familiarity', () => {
  const opening = 'Under a pale moon Mara waits by the door.';
  it('counts an opening the reader has just read, and one an answer repeats in its own later pieces', () => {
    expect(familiarity({ a: opening }, new Map())).toBe(0);
    expect(familiarity({ a: opening }, openingCounts([opening, opening]))).toBe(2);
    // Read once in the answer's first piece, twice by its third.
    expect(familiarity([opening, opening, opening], new Map())).toBe(3);
    expect(familiarity({ first: opening, second: 'Quite another line opens here today.' }, new Map())).toBe(0);
  });
});
