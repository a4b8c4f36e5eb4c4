import { allianceTypes, type AllianceType } from '../../kinds/alliance-terms.js';
import type { GossipTopic } from '../../kinds/gossip.js';
import { gossipTypes, limits, type GossipType, type ReputationType } from '../../kinds/vocabulary.js';
import { asName, clause, listNames, pluralVerb, rulesFor, type Composer } from './composer.js';
import { fit } from './grammar.js';

const gossipTypesByTopic: Record<GossipTopic, readonly GossipType[]> = {
  conflict_start: ['rumor', 'speculation', 'warning', 'secret'],
  conflict_resolved: ['praise', 'scandal', 'rumor', 'speculation'],
  npc_reaction: ['rumor', 'scandal', 'secret', 'praise'],
  scene: gossipTypes,
};

// `{deed}` agrees with `{who}` (one name or two); `{theirDeed}` follows "they".
const gossipLines: Record<GossipType, readonly string[]> = {
  rumor: [
    'They say {who} {deed}.',
    'The word in {place} is that {who} {deed}.',
    'I had it from {crowd} that {who} {deed}.',
    'Everyone knows {who} {deed}; ask anyone.',
    'Have you heard? {who} {deed}.',
  ],
  secret: [
    'Keep this behind your teeth: {who} {deed}.',
    'Only a few know that {who} {deed}, and now you are one of them.',
    'Swear you heard it elsewhere: {who} {deed}.',
    'Not a word of this, mind: {who} {deed}.',
  ],
  scandal: [
    'You will not believe it: {who} {deed}, and in front of {crowd}!',
    'The shame of it: {who} {deed}.',
    'All of {place} is aghast that {who} {deed}.',
    'Imagine it: {who} {deed}, and not even ashamed.',
  ],
  praise: [
    'Credit where it is due: {who} {goodDeed}.',
    'Say what you like, {who} {goodDeed}.',
    '{crowd} cannot stop praising how {who} {goodDeed}.',
    'Whatever people say, it was {who} who {goodDeed}.',
  ],
  warning: [
    'Watch yourself around {who}; they {theirDeed}.',
    'Mark me, {who} will be trouble. They {theirDeed}.',
    'If I were you I would steer clear of {who}. They {theirDeed}.',
    'Be careful what you tell {who}. They {theirDeed}.',
  ],
  speculation: [
    'Who can say, but perhaps {who} {deed}.',
    'I wonder whether {who} {deed}. It would explain a great deal.',
    'Some think {who} {deed}; others are not so sure.',
    'It would not surprise me if {who} {deed}.',
  ],
};

/** How a gossip passes a line on: several voices, so the same wrapper does not come round every time. */
const gossipFrames = [
  '{speaker} leans close: “{line}”',
  '{speaker}, behind a raised cup: “{line}”',
  '“{line}” So says {speaker}, at least.',
  '{speaker} lowers their voice: “{line}”',
  '“{line}” {speaker} swears it is true.',
  '{speaker} will tell anyone who listens: “{line}”',
  '“{line}” That is how {speaker} tells it.',
  'According to {speaker}: “{line}”',
  '{speaker} glances round before speaking: “{line}”',
  '“{line}” You did not hear it from {speaker}.',
  '{speaker} taps the side of their nose: “{line}”',
  '“{line}” {speaker} shrugs, as if it were nothing.',
];

const topicDeeds: Record<GossipTopic, readonly string[]> = {
  conflict_start: [
    'started the whole business over {title}',
    'has been stirring up {title} for months',
    'swore an oath over {title} they cannot keep',
    'met {court} in secret about {title}',
  ],
  conflict_resolved: [
    'came out of {title} richer than before',
    'lost more over {title} than they let on',
    'made a bargain to end {title} that no one has seen',
    'will not forgive how {title} ended',
  ],
  npc_reaction: [
    'lost their temper {hour}',
    'was seen weeping by {landmark}',
    'walked out of {place} without a word',
    'threatened a clerk over nothing',
  ],
  scene: [
    'pays the watch to look away',
    'meets a masked visitor {hour}',
    'has debts at every tavern in {town}',
    'keeps letters from a foreign court',
  ],
};

const goodDeeds = [
  'paid for the widow’s roof after the storm',
  'stood up to {court} when no one else would',
  'kept their word when it cost them',
  'fed half the street through the hard winter',
];

export const composeGossip: Composer<'gossip'> = (input, g, setting) => {
  const about = input.about.slice(0, 5).map((character) => asName(character.name));
  const type = g.pick(gossipTypesByTopic[input.topic]);
  const who = about.slice(0, 2);
  const deeds = input.outcome ? [...topicDeeds[input.topic], `had a hand in how ${clause(input.outcome)}`] : topicDeeds[input.topic];
  const rules = rulesFor(setting, input.location, {
    who: [listNames(who)],
    title: [input.conflictTitle ?? g.pick(['the quarrel', 'the trouble', 'the business everyone is talking about'])],
    deed: who.length > 1 ? deeds.map(pluralVerb) : deeds,
    theirDeed: deeds.map(pluralVerb),
    goodDeed: goodDeeds,
  });
  const line = g.expand(g.pick(gossipLines[type]), rules);
  const text = input.speaker ? g.expand(g.pick(gossipFrames), { speaker: [input.speaker], line: [line] }) : line;
  const truthByType: Record<GossipType, [number, number]> = {
    rumor: [0.3, 0.7],
    secret: [0.6, 0.95],
    scandal: [0.2, 0.8],
    praise: [0.5, 0.9],
    warning: [0.4, 0.8],
    speculation: [0.1, 0.5],
  };
  return {
    gossip_type: type,
    text: fit(text, limits.paragraph),
    about: about.length > 0 ? about : ['someone in town'],
    spread: g.between(type === 'scandal' ? 0.6 : 0.2, type === 'secret' ? 0.5 : 0.9),
    truth: g.between(...truthByType[type]),
  };
};

const reputationWords: Record<ReputationType, { up: readonly string[]; down: readonly string[] }> = {
  trustworthy: {
    up: ['a word one can build a house on', 'someone to hold the purse'],
    down: ['a promise written in sand', 'someone to watch when the ledgers open'],
  },
  submissive: {
    up: ['someone who bends to whoever speaks loudest', 'a reed in the wind'],
    down: ['no one’s servant', 'someone who no longer bows so low'],
  },
  rebellious: {
    up: ['a thorn in the side of {court}', 'trouble waiting for a cause'],
    down: ['someone who has learned to keep their head down', 'tamed, some say'],
  },
  mysterious: {
    up: ['a locked door', 'someone whose comings and goings no one can account for'],
    down: ['an open book', 'plainer than they once seemed'],
  },
  influential: {
    up: ['someone whose word opens doors at court', 'a name that carries weight in {town}'],
    down: ['yesterday’s voice', 'someone the court no longer waits for'],
  },
  scandalous: {
    up: ['the talk of every tavern', 'a name spoken with a smirk'],
    down: ['someone whose old scandals are fading', 'respectable again, nearly'],
  },
  nurturing: {
    up: ['a warm hearth in a cold town', 'someone who looks after their own'],
    down: ['colder than before', 'someone who has stopped looking after others'],
  },
  dangerous: {
    up: ['someone to cross the street to avoid', 'a knife in a velvet sleeve'],
    down: ['less of a threat than feared', 'someone people no longer fear'],
  },
};

export const composeReputationNarration: Composer<'reputation_narration'> = (input, g, setting) => {
  const rising = input.newScore >= input.oldScore;
  const words = reputationWords[input.reputationType];
  const rules = rulesFor(setting, undefined, {
    name: [input.npc.name],
    now: rising ? words.up : words.down,
    cause: input.cause ? [`after ${input.cause}`, `since ${input.cause}`] : ['of late', 'these past days', 'since the last market day'],
    opening: [
      '{crowd} speak differently of {name} {cause}.',
      'Something has changed in how {place} sees {name} {cause}.',
      '{cause}, {name} is spoken of in a new way.',
    ],
    verdict: ['Now they call {name} {now}.', 'To {crowd}, {name} is {now}.', 'More and more, {name} is {now}.'],
    coda: [
      'Word of it reaches {court}.',
      'Doors open, or close, accordingly.',
      'It will not be forgotten quickly.',
      'Children repeat it in the street.',
      '',
    ],
  });
  return {
    text: fit(g.expand(g.pick(['{opening} {verdict} {coda}', '{verdict} {coda}', '{opening} {verdict}']), rules), limits.paragraph),
  };
};

const termsByType: Record<AllianceType, readonly string[]> = {
  mutual_benefit: [
    'share what each learns of {title}',
    'split any profit from the disputed holdings',
    'speak for one another before {court}',
  ],
  mutual_defense: [
    'come armed if the other is threatened',
    'shelter each other’s households in a crisis',
    'never bear witness against each other',
  ],
  trade_pact: ['give each other first refusal on cargo', 'waive the usual dues between their houses', 'keep prices fair at market'],
  political: ['vote together before {court}', 'petition {court} as one voice', 'support each other’s candidates for office'],
  marriage_of_convenience: [
    'join their households by a betrothal',
    'pool their dowries against their rivals',
    'keep up appearances at court functions',
  ],
  secret_pact: ['meet only at {landmark}, after dark', 'burn every letter once read', 'feign enmity in public'],
};

export const composeAllianceTerms: Composer<'alliance_terms'> = (input, g, setting) => {
  const reason = input.reason.toLowerCase();
  const fitting = allianceTypes.find((type) => reason.includes(type.replace(/_/g, ' ')) || reason.includes(type));
  const type = fitting && g.chance(0.6) ? fitting : g.pick(allianceTypes);
  const rules = rulesFor(setting, undefined, {
    title: [input.conflictTitle ?? 'the present troubles'],
    one: [input.initiator.name],
    other: [input.target.name],
  });
  const clauses = [
    ...termsByType[type],
    '{one} will owe {other} one favour, unnamed, to be called in once',
    'either may end the pact with a week’s notice',
  ];
  const terms = g.sample(clauses, 2 + Math.floor(g.next() * 3)).map((term) => fit(g.expand(term, rules), limits.listItem));
  return { alliance_type: type, terms, is_secret: type === 'secret_pact' || g.chance(0.2) };
};
