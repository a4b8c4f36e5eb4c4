import { canonEventTypes, limits, type CanonEventType } from '../../kinds/vocabulary.js';
import { asName, clause, listNames, rulesFor, type Composer } from './composer.js';
import { clamp, fit, round2 } from './grammar.js';

function eventTypeFor(conflictType: string, pick: () => CanonEventType): CanonEventType {
  const type = conflictType.toLowerCase();
  if (type.includes('power') || type.includes('political') || type.includes('faction')) return 'power_restructuring';
  if (type.includes('social')) return 'social_evolution';
  if (type.includes('personal') || type.includes('interpersonal')) return 'relationship_milestone';
  return pick();
}

const names: Record<CanonEventType, readonly string[]> = {
  historical_precedent: ['The Ruling of {title}', 'The {place_name} Precedent', 'The Judgement of {season}'],
  cultural_shift: ['The Turning of {title}', 'The {season} Change', 'When {place_name} Changed'],
  relationship_milestone: ['The Reconciling of {winner}', 'The Oath of {season}', 'The Bond at {place_name}'],
  power_restructuring: ['The Fall of {loser}', 'The {season} Succession', 'The Rise of {winner}'],
  social_evolution: ['The Quiet Revolt of {place_name}', 'The {season} Reckoning', 'The Lesson of {title}'],
  legendary_moment: ['The Night of {title}', 'The {season} Wonder', 'The Stand of {winner}'],
  tradition_born: ['The First {season} Lantern', 'The Custom of {winner}', 'The Rite of {place_name}'],
  taboo_broken: ['The Breaking of {season}', 'The Shame of {loser}', 'The Unspoken Thing at {place_name}'],
};

const chronicle = [
  'In the {season} of that year, {title} was ended in {place}. {outcome_sentence}',
  '{outcome_sentence} So the chroniclers of {place} record the close of {title}.',
  'It is written that {title} came to its end {hour}. {outcome_sentence}',
];

const impacts: Record<CanonEventType, readonly string[]> = {
  historical_precedent: ['Disputes of its kind are now settled by appeal to it.', 'Magistrates cite it still.'],
  cultural_shift: ['The town speaks of such matters more openly since.', 'Old manners gave way to new ones after it.'],
  relationship_milestone: ['Two houses that once feuded now share a table.', 'It is the example couples cite when they quarrel.'],
  power_restructuring: ['Seats of power changed hands.', '{court} answered to different masters after it.'],
  social_evolution: ['The lesser folk of {town} expect to be heard now.', 'Guild rules were rewritten within the year.'],
  legendary_moment: ['Songs of it are sung in every tavern.', 'Children play at it in the streets.'],
  tradition_born: ['Each year a lantern is lit in its memory.', 'A yearly feast now marks the day.'],
  taboo_broken: ['What was once unthinkable is now merely whispered.', 'The old prohibitions lost their hold.'],
};

export const composeCanonRecord: Composer<'canon_record'> = (input, g, setting) => {
  const pick = () => g.pick(canonEventTypes);
  const eventType = eventTypeFor(input.conflict.type, pick);
  const winner = input.resolution.winners?.[0] ?? input.conflict.stakeholders[0]?.name ?? 'the Town';
  const loser = input.resolution.losers?.[0] ?? input.conflict.stakeholders[1]?.name ?? 'the Old Guard';
  const rules = rulesFor(setting, input.location, {
    title: [input.conflict.title],
    season: ['Spring', 'Summer', 'Autumn', 'Winter', 'Harvest', 'Frost', 'Long'],
    place_name: ['{place}', '{landmark}'],
    winner: [asName(winner)],
    loser: [asName(loser)],
    outcome_sentence: [`In the end, ${clause(input.resolution.outcome)}.`, `It was settled thus: ${clause(input.resolution.outcome)}.`],
    parties: [listNames(input.conflict.stakeholders.slice(0, 3).map((s) => s.name))],
    epilogue: [
      '{parties} were never quite the same.',
      'Those who were there do not speak of it lightly.',
      '{weather}, they say, on the day it ended.',
      '',
    ],
  });
  const participation = Math.min(0.2, 0.05 * input.conflict.stakeholders.length);
  return {
    event_type: eventType,
    name: fit(g.expand(g.pick(names[eventType]), rules), 120),
    canon_text: fit(g.expand(`${g.pick(chronicle)} {epilogue}`, rules), limits.paragraph),
    significance: round2(clamp(0.3 + input.conflict.intensity * 0.3 + participation + g.between(0, 0.15), 0, 1)),
    cultural_impact: fit(g.expand(g.pick(impacts[eventType]), rules), limits.sentence),
  };
};

const casualLines = [
  'My grandmother swore she saw {event} with her own eyes.',
  'Since {event}, nobody in {town} does it the old way.',
  'You know what they say about {event}. Well, it is all true.',
  'Don’t talk to me about {event}; I lost a good horse over it.',
  'Raise a cup to {event}, friend.',
  'It was never the same after {event}, was it?',
];

const formalLines = [
  'As was established by {event}, the precedent is clear.',
  'I would remind the court of {event}.',
  'Let us not forget the lesson of {event}.',
  'Since {event}, this house has kept its word.',
  'The chronicles of {event} speak plainly on the matter.',
];

export const composeCanonReferences: Composer<'canon_references'> = (input, g, setting) => {
  const speakers = input.npcs.length > 0 ? input.npcs : [{ name: 'An old-timer' }];
  const chosen = g.sample(speakers, Math.min(5, speakers.length, 1 + Math.floor(g.next() * 3)));
  const pool = input.context === 'formal' ? formalLines : casualLines;
  return {
    references: chosen.map((npc) => ({
      npc: asName(npc.name),
      text: fit(g.expand(g.pick(pool), rulesFor(setting, undefined, { event: [input.event.name] })), limits.sentence),
    })),
  };
};

const loreSuggestions = [
  'Set it in {place}, where the canon already places such quarrels.',
  'Let {court} have a hand in it, as tradition requires.',
  'Mention {landmark}, where such things are remembered.',
  'Keep {court} out of it; canon has them stand apart from quarrels.',
  'Tie it to the yearly festival, which every {category} tale remembers.',
  'Have the chroniclers disagree on the details, as they usually do.',
];

function words(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^a-z]+/)
      .filter((word) => word.length > 3),
  );
}

/** Near-duplicates of canon are flagged: without a model, retelling is the one clash we can see. */
function overlap(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const word of a) if (b.has(word)) shared += 1;
  return shared / Math.min(a.size, b.size);
}

export const composeLoreCheck: Composer<'lore_check'> = (input, g, setting) => {
  const content = words(input.content);
  const clashes = input.knownCanon.filter((canon) => overlap(content, words(canon)) > 0.6).slice(0, 5);
  const rules = rulesFor(setting, undefined, { category: [input.category] });
  return {
    is_compliant: clashes.length === 0,
    conflicts: clashes.map((canon) => fit(`Retells an established event: “${canon}”`, limits.listItem)),
    suggestions: g.sample(loreSuggestions, 1 + Math.floor(g.next() * 2)).map((s) => fit(g.expand(s, rules), limits.listItem)),
  };
};
