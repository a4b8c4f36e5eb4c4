import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  formatScenarioError,
  loadBundledScenarios,
  loadScenarioFile,
  parseScenario,
  ScenarioError,
  validateScenarioFile,
} from '../../src/conflict/scenarios/index.js';

const fixtures = fileURLToPath(new URL('../fixtures/scenarios/', import.meta.url));
const fixture = (name: string) => join(fixtures, name);

async function invalidFixture(name: string): Promise<ScenarioError> {
  const result = await validateScenarioFile(fixture(name));
  if (result.ok) throw new Error(`${name} was expected to be invalid`);
  return result.error;
}

function parseError(text: string): ScenarioError {
  try {
    parseScenario(text, 'inline.yaml');
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error('expected a ScenarioError');
}

describe('shipped scenarios', () => {
  it('loads every scenario in scenarios/, sorted by id, once', async () => {
    const scenarios = await loadBundledScenarios();
    expect(scenarios.map((scenario) => scenario.id)).toEqual(['court-of-succession', 'harbour-dock-rights', 'village-well']);
    expect(await loadBundledScenarios()).toBe(scenarios);
  });

  it.each(['harbour-dock-rights', 'court-of-succession'])('%s has the cast and the two opening conflicts the rules need', async (id) => {
    const scenario = (await loadBundledScenarios()).find((candidate) => candidate.id === id);
    expect(scenario).toBeDefined();
    const { npcs, locations, conflicts, relations } = scenario!;
    expect(npcs.length).toBeGreaterThanOrEqual(6);
    expect(npcs.length).toBeLessThanOrEqual(8);
    expect(locations.length).toBeGreaterThanOrEqual(3);
    expect(locations.length).toBeLessThanOrEqual(4);
    expect(relations.length).toBeGreaterThan(0);
    expect(conflicts).toHaveLength(2);
    expect(conflicts.some((conflict) => conflict.type.includes('power'))).toBe(true);
    expect(conflicts.some((conflict) => /social|interpersonal|crisis/.test(conflict.type))).toBe(true);
  });

  it('loads a file given by path, as the CLI does', async () => {
    const path = fileURLToPath(new URL('../../scenarios/harbour-dock-rights.yaml', import.meta.url));
    const scenario = await loadScenarioFile(path);
    expect(scenario.title).toBe('The Dock-Rights Dispute of Saltmere');
    expect(scenario.npcs.find((npc) => npc.id === 'hobb-tallow')?.socialRole).toBe('gossip');
  });

  it('refuses a folder in which two files share a scenario id', async () => {
    const loading = loadBundledScenarios(fixture('bundle-with-duplicate-ids'));
    await expect(loading).rejects.toBeInstanceOf(ScenarioError);
    const error = (await loading.catch((caught: unknown) => caught)) as ScenarioError;
    expect(error.file).toBe(fixture('bundle-with-duplicate-ids/second.yaml'));
    expect(error.issues).toEqual([{ path: 'id', message: expect.stringContaining('duplicate scenario id "two-neighbours"') }]);
  });
});

describe('defaults', () => {
  it('fills in gossip tendency, reputation, relations and stakeholder defaults, and leaves an unset role to the rules', async () => {
    const text = await readFile(fixture('valid.yaml'), 'utf8');
    const scenario = parseScenario(text.replace(/^relations:\n.*\n/m, ''), 'inline.yaml');
    expect(scenario.relations).toEqual([]);
    expect(scenario.npcs[1]).toMatchObject({ gossipTendency: 0.5, reputation: {} });
    expect(scenario.conflicts[0]?.stakeholders).toEqual([
      { npc: 'ada', role: 'instigator', decisionStyle: 'reactive', stress: 0.4, commitment: 0.5 },
      { npc: 'bram', decisionStyle: 'reactive', stress: 0.3, commitment: 0.5 },
    ]);
  });
});

describe('invalid scenario files', () => {
  it.each([
    ['unknown-key.yaml', 'npcs[1].colour', 24, 5, 'unknown field "colour"; expected one of id, name, description'],
    ['wrong-enum.yaml', 'npcs[1].socialRole', 23, 17, 'expected one of alpha, beta, confidant'],
    ['out-of-range.yaml', 'conflicts[0].stakeholders[0].stress', 33, 47, 'expected a number from 0 to 1; got 1.4'],
    ['missing-field.yaml', 'npcs[1].name', 19, 5, 'missing required field; expected text'],
    ['dangling-stakeholder.yaml', 'conflicts[0].stakeholders[1].npc', 34, 16, 'unknown npc "ghost"; expected one of ada, bram'],
    ['dangling-relation.yaml', 'relations[0].to', 26, 22, 'unknown npc "nobody"; expected one of ada, bram'],
    ['duplicate-id.yaml', 'locations[1].id', 12, 9, 'duplicate id "lane", already used by locations[0]'],
    ['one-stakeholder.yaml', 'conflicts[0].stakeholders', 32, 5, 'expected at least 2 items; got 1 item'],
    ['syntax-error.yaml', '', 21, 18, 'YAML syntax error: Nested mappings are not allowed'],
  ])('%s: reports "%s" at line %i, column %i', async (name, path, line, column, message) => {
    const error = await invalidFixture(name);
    expect(error.file).toBe(fixture(name));
    expect(error.reason).toBe('invalid');
    expect(error.issues).toEqual([{ path, line, column, message: expect.stringContaining(message) }]);
  });

  it('names the value it got for a wrong enum value', async () => {
    const [issue] = (await invalidFixture('wrong-enum.yaml')).issues;
    expect(issue?.message).toMatch(/; got "king"$/);
  });

  it('reports every problem at once, schema and references alike, in file order', async () => {
    const error = await invalidFixture('many-problems.yaml');
    expect(error.issues.map(({ path, line }) => [path, line])).toEqual([
      ['npcs[0].socialRole', 17],
      ['relations[0].strength', 26],
      ['conflicts[0].stakeholders[1].npc', 34],
      ['player.intro', 36],
      ['player.intr', 36],
    ]);
  });

  it('formats one issue per line as file:line:column path: message', async () => {
    const error = await invalidFixture('many-problems.yaml');
    const lines = formatScenarioError(error).split('\n');
    expect(lines).toHaveLength(error.issues.length);
    expect(lines[0]).toBe(
      `${fixture('many-problems.yaml')}:17:17 npcs[0].socialRole: expected one of alpha, beta, confidant, rival, outsider, gossip, mediator, influencer, follower, wildcard; got "queen"`,
    );
    expect(error.message).toBe(formatScenarioError(error));
  });

  it('reports a missing file as unreadable, naming the file', async () => {
    const missing = fixture('no-such-scenario.yaml');
    await expect(loadScenarioFile(missing)).rejects.toBeInstanceOf(ScenarioError);
    const result = await validateScenarioFile(missing);
    expect(result).toMatchObject({
      ok: false,
      error: { file: missing, reason: 'unreadable', issues: [{ path: '', message: 'file not found' }] },
    });
    if (!result.ok) expect(formatScenarioError(result.error)).toBe(`${missing}: file not found`);
  });
});

describe('cross-reference and shape rules', () => {
  let valid: string;
  beforeAll(async () => {
    valid = await readFile(fixture('valid.yaml'), 'utf8');
  });

  it('rejects the same npc twice among one conflict’s stakeholders', () => {
    const error = parseError(valid.replace('{ npc: bram }', '{ npc: ada }'));
    expect(error.issues).toEqual([
      {
        path: 'conflicts[0].stakeholders[1].npc',
        line: 34,
        column: 16,
        message: expect.stringContaining('"ada" is already a stakeholder'),
      },
    ]);
  });

  it('rejects a relation from an npc to itself', () => {
    const error = parseError(valid.replace('to: bram, kind: rival', 'to: ada, kind: rival'));
    expect(error.issues).toEqual([
      { path: 'relations[0].to', line: 26, column: 22, message: expect.stringContaining('a relation joins two different npcs') },
    ]);
  });

  it('rejects an npc placed in an undeclared location', () => {
    const error = parseError(valid.replace('location: lane\n  - id: bram', 'location: attic\n  - id: bram'));
    expect(error.issues).toEqual([
      { path: 'npcs[0].location', line: 18, column: 15, message: 'unknown location "attic"; expected one of lane' },
    ]);
  });

  it('rejects a reputation type that does not exist, at its key', () => {
    const error = parseError(valid.replace('traits: [proud]', 'traits: [proud]\n    reputation: { charming: 0.9 }'));
    expect(error.issues).toEqual([
      {
        path: 'npcs[0].reputation.charming',
        line: 17,
        column: 19,
        message: expect.stringContaining('expected one of trustworthy, submissive'),
      },
    ]);
  });

  it('checks a conflict’s own choices and endings: choice types, phases, targets and winners, each at its line', () => {
    const extra = [
      '    choices:',
      '      - { label: Trim the hedge at night, type: sneaky }',
      '      - { label: Ask the vicar, type: investigate, target: vicar, phases: [rising, aftermath] }',
      '    endings:',
      '      - { when: settled, outcome: The hedge comes down., winners: [ada, ghost] }',
      '      - { when: someday, outcome: Never. }',
    ].join('\n');
    const error = parseError(valid.replace('      - { npc: bram }\n', `      - { npc: bram }\n${extra}\n`));
    expect(error.issues.map(({ path, line, message }) => ({ path, line, message }))).toEqual([
      { path: 'conflicts[0].choices[0].type', line: 36, message: expect.stringContaining('expected one of aggressive, confrontational') },
      { path: 'conflicts[0].choices[1].target', line: 37, message: 'unknown npc "vicar"; expected one of ada, bram' },
      { path: 'conflicts[0].choices[1].phases[1]', line: 37, message: expect.stringContaining('"aftermath"') },
      {
        path: 'conflicts[0].endings[0].winners[1]',
        line: 39,
        message: '"ghost" takes no part in this conflict; expected one of its stakeholders, ada, bram',
      },
      { path: 'conflicts[0].endings[1].when', line: 40, message: expect.stringContaining('expected one of settled, escalated, any') },
    ]);
  });

  it('rejects two conflicts with one title (a game finds a conflict’s choices and endings by it)', () => {
    const second = valid
      .slice(valid.indexOf('  - id: the-hedge'), valid.indexOf('player:'))
      .replace('id: the-hedge', 'id: the-other-hedge');
    const error = parseError(valid.replace('player:', `${second}player:`));
    expect(error.issues).toEqual([
      { path: 'conflicts[1].title', line: 36, column: 12, message: expect.stringContaining('duplicate title "The Hedge"') },
    ]);
  });

  it('rejects an empty document at the start of the file', () => {
    const error = parseError('# nothing here\n');
    expect(error.issues).toEqual([{ path: '', line: 1, column: 1, message: 'expected a mapping of fields; got an empty value' }]);
  });
});
