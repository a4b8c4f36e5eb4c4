import { allianceTypes, type AllianceType } from '../../kinds/alliance-terms.js';
import type { GossipTopic } from '../../kinds/gossip.js';
import { gossipTypes, limits, type GossipType, type ReputationType } from '../../kinds/vocabulary.js';
import { asName, listNames, rulesFor, type Composer } from './composer.js';
import { fit } from './grammar.js';

const gossipTypesByTopic: Record<GossipTopic, readonly GossipType[]> = {
  conflict_start: ['rumor', 'speculation', 'warning', 'secret'],
  conflict_resolved: ['praise', 'scandal', 'rumor', 'speculation'],
  npc_reaction: ['rumor', 'scandal', 'secret', 'praise'],
  scene: gossipTypes,
};

const gossipLines: Record<GossipType, readonly string[]> = {
  rumor: ['They say {who} {deed}.', 'Word on {place} is that {who} {deed}.', 'I had it from {crowd} that {who} {deed}.'],
  secret: ['Keep this behind your teeth: {who} {deed}.', 'Only a few know that {who} {deed}, and now you are one of them.', 'Swear you heard it elsewhere: {who} {deed}.'],
  scandal: ['You will not believe it: {who} {deed}, and in front of {crowd}!', 'The shame of it: {who} {deed}.', 'All of {place} is aghast that {who} {deed}.'],
  praise: ['Credit where it is due: {who} {goodDeed}.', 'Say what you like, {who} {goodDeed}.', '{crowd} cannot stop praising how {who} {goodDeed}.'],
  warning: ['Watch yourself around {who}; they {deed}.', 'Mark me, {who} will be trouble. They {deed}.', 'If I were you I would steer clear of {who}. They {deed}.'],
  speculation: ['Who can say, but perhaps {who} {deed}.', 'I wonder whether {who} {deed}. It would explain a great deal.', 'Some think {who} {deed}; others are not so sure.'],
};

const topicDeeds: Record<GossipTopic, readonly string[]> = {
  conflict_start: ['started the whole business over {title}', 'has been stirring up {title} for months', 'swore an oath over {title} they cannot keep', 'met {court} in secret about {title}'],
  conflict_resolved: ['came out of {title} richer than before', 'lost more over {title} than they let on', 'made a bargain to end {title} that no one has seen', 'will not forgive how {title} ended'],
  npc_reaction: ['lost their temper {hour}', 'was seen weeping by the old lighthouse', 'walked out of {place} without a word', 'threatened a guild clerk over nothing'],
  scene: ['pays the harbour watch to look away', 'meets a masked visitor {hour}', 'has debts at every tavern on the quay', 'keeps letters from a foreign court'],
};

const goodDeeds = ['paid for the widow’s roof after the storm', 'stood up to {court} when no one else would', 'kept their word when it cost them', 'fed half the quay through the hard winter'];

export const composeGossip: Composer<'gossip'> = (input, g) => {
  const about = input.about.slice(0, 5).map((character) => asName(character.name));
  const type = g.pick(gossipTypesByTopic[input.topic]);
  const rules = rulesFor(input.location, {
    who: [listNames(about.slice(0, 2))],
    title: [input.conflictTitle ?? g.pick(['the quarrel', 'the trouble at the docks', 'the business at court'])],
    deed: input.outcome ? [...topicDeeds[input.topic], `had a hand in how ${input.outcome}`] : topicDeeds[input.topic],
    goodDeed: goodDeeds,
  });
  const line = g.expand(g.pick(gossipLines[type]), rules);
  const text = input.speaker ? g.expand(g.pick(['{speaker} leans close: “{line}”', '{speaker}, behind a raised cup: “{line}”', '“{line}” So says {speaker}, at least.']), { speaker: [input.speaker], line: [line] }) : line;
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
    about: about.length > 0 ? about : ['someone at court'],
    spread: g.between(type === 'scandal' ? 0.6 : 0.2, type === 'secret' ? 0.5 : 0.9),
    truth: g.between(...truthByType[type]),
  };
};

const reputationWords: Record<ReputationType, { up: readonly string[]; down: readonly string[] }> = {
  trustworthy: { up: ['a word one can build a harbour on', 'someone to hold the purse'], down: ['a promise written in sand', 'someone to watch when the ledgers open'] },
  submissive: { up: ['someone who bends to whoever speaks loudest', 'a reed in the wind'], down: ['no one’s servant', 'someone who no longer bows so low'] },
  rebellious: { up: ['a thorn in the side of {court}', 'trouble waiting for a cause'], down: ['someone who has learned to keep their head down', 'tamed, some say'] },
  mysterious: { up: ['a locked door', 'someone whose comings and goings no one can account for'], down: ['an open book', 'plainer than they once seemed'] },
  influential: { up: ['someone whose word opens doors at court', 'a name that carries weight on the quay'], down: ['yesterday’s voice', 'someone the court no longer waits for'] },
  scandalous: { up: ['the talk of every tavern', 'a name spoken with a smirk'], down: ['someone whose old scandals are fading', 'respectable again, nearly'] },
  nurturing: { up: ['a warm hearth in a cold town', 'someone who looks after their own'], down: ['colder than before', 'someone who has stopped looking after others'] },
  dangerous: { up: ['someone to cross the street to avoid', 'a knife in a velvet sleeve'], down: ['less of a threat than feared', 'someone people no longer fear'] },
};

export const composeReputationNarration: Composer<'reputation_narration'> = (input, g) => {
  const rising = input.newScore >= input.oldScore;
  const words = reputationWords[input.reputationType];
  const rules = rulesFor(undefined, {
    name: [input.npc.name],
    now: rising ? words.up : words.down,
    cause: input.cause ? [`after ${input.cause}`, `since ${input.cause}`] : ['of late', 'these past days', 'since the last tide'],
    opening: ['{crowd} speak differently of {name} {cause}.', 'Something has changed in how {place} sees {name} {cause}.', '{cause}, {name} is spoken of in a new way.'],
    verdict: ['Now they call {name} {now}.', 'To {crowd}, {name} is {now}.', 'More and more, {name} is {now}.'],
    coda: ['{court} has taken note.', 'Doors open, or close, accordingly.', 'It will not be forgotten quickly.', 'Children repeat it in the street.', ''],
  });
  return { text: fit(g.expand(g.pick(['{opening} {verdict} {coda}', '{verdict} {coda}', '{opening} {verdict}']), rules), limits.paragraph) };
};

const termsByType: Record<AllianceType, readonly string[]> = {
  mutual_benefit: ['share what each learns of {title}', 'split any profit from the disputed berths', 'speak for one another before {court}'],
  mutual_defense: ['come armed if the other is threatened', 'shelter each other’s households in a crisis', 'never bear witness against each other'],
  trade_pact: ['give each other first refusal on cargo', 'waive harbour dues between their houses', 'keep prices fair on the lantern market'],
  political: ['vote together on the Council of Wharves', 'petition {court} as one voice', 'support each other’s candidates for office'],
  marriage_of_convenience: ['join their households by a betrothal', 'pool their dowries against their rivals', 'keep up appearances at court functions'],
  secret_pact: ['meet only at the old lighthouse, after dark', 'burn every letter once read', 'feign enmity in public'],
};

export const composeAllianceTerms: Composer<'alliance_terms'> = (input, g) => {
  const reason = input.reason.toLowerCase();
  const fitting = allianceTypes.find((type) => reason.includes(type.replace(/_/g, ' ')) || reason.includes(type));
  const type = fitting && g.chance(0.6) ? fitting : g.pick(allianceTypes);
  const rules = rulesFor(undefined, {
    title: [input.conflictTitle ?? 'the present troubles'],
    one: [input.initiator.name],
    other: [input.target.name],
  });
  const clauses = [...termsByType[type], '{one} will owe {other} one favour, unnamed, to be called in once', 'either may end the pact with a week’s notice'];
  const terms = g.sample(clauses, 2 + Math.floor(g.next() * 3)).map((term) => fit(g.expand(term, rules), limits.listItem));
  return { alliance_type: type, terms, is_secret: type === 'secret_pact' || g.chance(0.2) };
};
