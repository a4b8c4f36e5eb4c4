import {
  limits,
  actionTypes,
  type ActionType,
  type ReactionType,
  type EmotionalResponse,
  type StakeholderRole,
} from '../../kinds/vocabulary.js';
import type { RoleAdaptationTrigger } from '../../kinds/role-adaptation.js';
import { asName, rulesFor, type Composer } from './composer.js';
import { clamp, fit, round2, type Grammar } from './grammar.js';

const preferredActions: Record<StakeholderRole, readonly ActionType[]> = {
  instigator: ['aggressive', 'manipulative', 'strategic'],
  defender: ['defensive', 'diplomatic', 'supportive'],
  mediator: ['diplomatic', 'supportive', 'observant'],
  opportunist: ['manipulative', 'strategic', 'evasive'],
  victim: ['evasive', 'defensive', 'supportive'],
  bystander: ['observant', 'evasive'],
  escalator: ['aggressive', 'manipulative', 'strategic'],
  peacemaker: ['diplomatic', 'supportive'],
};

const actionDeeds: Record<ActionType, readonly string[]> = {
  aggressive: [
    'confronts {target} in {place}, demanding an answer {manner}',
    'sends word to {court} that {target} has been skimming the dues',
    'overturns a table of ledgers before {target} and dares them to deny it',
    'has two hired toughs block {target}’s way home {hour}',
  ],
  defensive: [
    'gathers loyal hands close and bars the doors of {place}',
    'burns the letters that could be used against them {hour}',
    'refuses every summons and sets a guard at the stair',
    'moves the strongbox from {place} to a place only they know',
  ],
  diplomatic: [
    'invites {target} to share wine in {place} and speaks of common ground',
    'proposes a truce before {court}, {manner}',
    'sends a courteous letter to {target}, sealed with the old family crest',
    'asks {court} to hear both sides {hour}',
  ],
  manipulative: [
    'lets slip a half-truth about {target} where {crowd} will hear it',
    'flatters {target} {manner}, while a forged note changes hands behind them',
    'promises {target} a favour they never mean to keep',
    'arranges for {target} to be seen somewhere they should not be',
  ],
  supportive: [
    'quietly pays the debts of {target}',
    'stands beside {target} before {court}, {manner}',
    'brings bread and news to {target} {hour}',
    'vouches for {target} when {crowd} begin to mutter',
  ],
  evasive: [
    'packs a bag for a long journey and tells no one',
    'sends regrets to every summons, pleading a fever',
    'slips out of {place} by the servants’ stair {hour}',
    'answers every question about {target} with a question',
  ],
  observant: [
    'watches {target} from the shadows of {place}, saying nothing',
    'takes a seat where the whole room is in view and listens',
    'counts who arrives at {place} and who leaves early',
    'pays a child to report what {target} does {hour}',
  ],
  strategic: [
    'buys up the debts owed by {target}’s allies, one by one',
    'meets {court} in private to shape what comes next',
    'moves the goods {target} is counting on out of reach',
    'plans, {hour}, the order in which their rivals will fall',
  ],
};

const actionResources: Record<ActionType, readonly string[]> = {
  aggressive: ['hired toughs', 'a drawn blade', 'a public accusation', 'the threat of the law'],
  defensive: ['loyal servants', 'barred doors', 'a hidden strongbox', 'old family guards'],
  diplomatic: ['a cask of good wine', 'the family seal', 'an offer of shared dues', 'the ear of the court'],
  manipulative: ['a forged letter', 'a half-truth', 'borrowed gossip', 'a purse for the right ears'],
  supportive: ['a purse of silver', 'a good name', 'a warm hearth', 'a word in the right ear'],
  evasive: ['a fast horse', 'a plausible excuse', 'a servants’ stair', 'a borrowed cloak'],
  observant: ['patience', 'a well-placed child with sharp ears', 'a seat by the window', 'a good memory'],
  strategic: ['bought debts', 'a private audience', 'cargo manifests', 'favours owed in high places'],
};

const actionConsequences: Record<ActionType, readonly string[]> = {
  aggressive: [
    'tempers flare across {town}',
    'the watch takes notice',
    '{target} will not forget this',
    'allies grow wary of open violence',
  ],
  defensive: ['the household closes ranks', 'rivals find the door shut', 'suspicion grows at what is hidden'],
  diplomatic: ['a fragile truce becomes possible', 'the court notes the gesture', '{target} must answer in kind or look petty'],
  manipulative: ['rumour spreads faster than truth', '{target} loses face', 'the lie may yet be traced back'],
  supportive: ['{target} gains a friend', 'the balance of the quarrel shifts', 'debts of gratitude are owed'],
  evasive: ['questions go unanswered', 'absence is read as guilt', 'the quarrel goes on without them'],
  observant: ['secrets are noted for later', 'nothing changes, for now', 'a pattern begins to show'],
  strategic: ['the ground shifts beneath {target}', 'the court’s balance tilts', 'a trap is laid for later'],
};

const styleBase: Record<string, number> = {
  emotional: 0.45,
  rational: 0.6,
  instinctive: 0.5,
  calculating: 0.65,
  reactive: 0.45,
  principled: 0.55,
};

function chooseAction(g: Grammar, role: StakeholderRole, stress: number): ActionType {
  if (stress > 0.7 && g.chance(0.4)) return g.pick(['aggressive', 'evasive'] as const);
  return g.chance(0.75) ? g.pick(preferredActions[role] ?? actionTypes) : g.pick(actionTypes);
}

export const composeStakeholderAction: Composer<'stakeholder_action'> = (input, g, setting) => {
  const { stakeholder, conflict, scene } = input;
  const actionType = chooseAction(g, stakeholder.role, stakeholder.stress);
  const others = scene.others.filter((other) => other !== stakeholder.name);
  const target = others.length > 0 && (actionType !== 'evasive' || g.chance(0.3)) ? asName(g.pick(others)) : null;
  const targetWords = target ?? g.pick(['their rivals', 'the other side', 'whoever stands against them']);
  const rules = rulesFor(setting, scene.location, {
    deed: actionDeeds[actionType],
    target: [targetWords],
    name: [stakeholder.name],
    title: [conflict.title],
    why: [
      'The matter of {title} will not wait.',
      'Over {title}, patience has run thin.',
      '',
      '',
      'All of it turns on {title}.',
      '{weather}.',
    ],
  });
  const description = g.expand(g.pick(['{name} {deed}. {why}', '{hour}, {name} {deed}.', '{why} {name} {deed}.']), rules);
  const success = clamp(
    (styleBase[stakeholder.decisionStyle] ?? 0.5) + stakeholder.commitment * 0.2 - stakeholder.stress * 0.25 + g.between(-0.1, 0.1),
    0.05,
    0.95,
  );
  return {
    action_type: actionType,
    description: fit(description, limits.paragraph),
    target,
    resources: g.sample(actionResources[actionType], 1 + Math.floor(g.next() * 3)),
    success_probability: round2(success),
    consequences: g
      .sample(actionConsequences[actionType], 1 + Math.floor(g.next() * 2))
      .map((c) => fit(g.expand(c, rules), limits.listItem)),
  };
};

const hostileChoices = ['aggressive', 'confrontational', 'escalating', 'threatening', 'manipulative'];
const gentleChoices = ['diplomatic', 'supportive', 'de-escalating', 'conciliatory', 'generous'];

function chooseReaction(g: Grammar, role: StakeholderRole, choiceType: string): ReactionType {
  const calming = role === 'mediator' || role === 'peacemaker';
  if (hostileChoices.includes(choiceType))
    return calming ? g.pick(['de-escalate', 'counter'] as const) : g.pick(['counter', 'escalate', 'counter', 'ignore'] as const);
  if (gentleChoices.includes(choiceType))
    return role === 'escalator' || role === 'instigator'
      ? g.pick(['counter', 'ignore', 'support'] as const)
      : g.pick(['support', 'de-escalate', 'support', 'ignore'] as const);
  return g.pick(['counter', 'support', 'ignore', 'escalate', 'de-escalate'] as const);
}

function chooseEmotion(g: Grammar, reaction: ReactionType, role: StakeholderRole, stress: number): EmotionalResponse {
  if (role === 'victim' && g.chance(0.5)) return 'fearful';
  if ((reaction === 'counter' || reaction === 'escalate') && (stress > 0.5 || g.chance(0.5))) return 'angry';
  if ((reaction === 'support' || reaction === 'de-escalate') && g.chance(0.5)) return 'relieved';
  return g.pick(['neutral', 'surprised', 'neutral'] as const);
}

const reactionDeeds: Record<ReactionType, readonly string[]> = {
  counter: [
    'answers your {choice} with a cold refusal',
    'steps forward to contradict you before {crowd}',
    'names the price of your {choice}, and it is steep',
    'turns your own words back on you',
  ],
  support: [
    'inclines their head and takes your side',
    'murmurs that your {choice} was the right course',
    'offers you their hand, and with it their name',
    'tells {crowd} plainly that you spoke true',
  ],
  ignore: [
    'looks past you as though nothing was said',
    'returns to their cup without a word',
    'turns away to speak with someone else',
    'lets your {choice} fall into silence',
  ],
  escalate: [
    'slams a fist on the table and swears it will not end here',
    'calls for the watch, loudly enough for all of {place} to hear',
    'vows that your {choice} will cost you dearly',
    'draws a knife, then thinks better of it, but only just',
  ],
  'de-escalate': [
    'raises both hands and asks everyone to breathe',
    'suggests, quietly, that the matter wait until morning',
    'laughs, and the room laughs with them, and the moment passes',
    'proposes that {court} settle it instead',
  ],
};

const emotionTells: Record<EmotionalResponse, readonly string[]> = {
  neutral: [
    'Their face gives nothing away.',
    'They seem to weigh every word.',
    'Whatever they think, they keep it.',
    'They give a small, unreadable nod.',
    '',
    '',
  ],
  angry: [
    'Colour rises in their cheeks.',
    'Their knuckles whiten on the table edge.',
    'Their voice shakes with fury.',
    'A muscle jumps in their jaw.',
    'They bite off the rest of the sentence.',
    'Nobody near them dares to speak.',
    '',
  ],
  fearful: [
    'Their eyes dart to the door.',
    'They take a step back before they can stop themselves.',
    'Their hands will not keep still.',
    'They swallow hard.',
    'Their smile comes a moment too late.',
    '',
  ],
  surprised: [
    'They had not expected this of you.',
    'For a heartbeat they are lost for words.',
    'Their brows climb.',
    'They look at you as if for the first time.',
    'They laugh once, in disbelief.',
    '',
  ],
  relieved: [
    'Something in their shoulders loosens.',
    'They let out a long breath.',
    'A thin smile breaks through.',
    'The hard line of their mouth softens.',
    'They look, for a moment, years younger.',
    '',
  ],
};

export const composeStakeholderReaction: Composer<'stakeholder_reaction'> = (input, g, setting) => {
  const { stakeholder, scene, playerChoice } = input;
  const reaction = chooseReaction(g, stakeholder.role, playerChoice.type.toLowerCase());
  const emotion = chooseEmotion(g, reaction, stakeholder.role, stakeholder.stress);
  const rules = rulesFor(setting, scene.location, {
    name: [stakeholder.name],
    choice: ['choice', 'move', 'challenge', 'gambit'],
    deed: reactionDeeds[reaction],
    tell: emotionTells[emotion],
  });
  const description = g.expand(
    g.pick(['{name} {deed}. {tell}', '{hour}, {name} {deed}. {tell}', 'In {place}, {name} {deed}. {tell}']),
    rules,
  );
  const regard: Record<ReactionType, [number, number]> = {
    counter: [-0.5, -0.1],
    support: [0.1, 0.5],
    ignore: [-0.15, 0.05],
    escalate: [-0.8, -0.3],
    'de-escalate': [0, 0.3],
  };
  const stress: Record<ReactionType, [number, number]> = {
    counter: [0, 0.15],
    support: [-0.1, 0],
    ignore: [-0.05, 0.05],
    escalate: [0.05, 0.25],
    'de-escalate': [-0.2, -0.05],
  };
  return {
    reaction_type: reaction,
    emotional_response: emotion,
    description: fit(description, limits.paragraph),
    relationship_impact: g.between(...regard[reaction]),
    stress_impact: g.between(...stress[reaction]),
  };
};

const roleMotivations: Record<StakeholderRole, readonly string[]> = {
  instigator: [
    'to be proven right before the whole court',
    'to settle an old score from years ago',
    'to seize what was promised and never given',
  ],
  defender: [
    'to keep the household safe from ruin',
    'to protect a younger sibling’s good name',
    'to hold what the family built over three generations',
  ],
  mediator: [
    'to keep the town from tearing itself apart',
    'to earn a say in how things are run',
    'to atone for a quarrel they once started',
  ],
  opportunist: ['to profit whichever side wins', 'to buy cheap what panic makes cheap', 'to climb while others are distracted'],
  victim: ['to be left in peace', 'to be heard, for once', 'to recover what was taken from them'],
  bystander: ['to stay out of trouble', 'to see which way the wind blows', 'to keep their stall and their head'],
  escalator: ['to see the old order burn', 'to be feared rather than pitied', 'to force a reckoning nobody dares to call'],
  peacemaker: ['to see the streets quiet again', 'to keep a promise made to a dying friend', 'to mend a friendship the quarrel broke'],
};

const secretPool = [
  'owes a ruinous debt to a moneylender',
  'once carried letters for a foreign court',
  'was seen near the ledgers the night they burned',
  'is not the heir everyone believes them to be',
  'keeps a lover no one would approve of',
  'buried something no one has found',
  'signed the warrant that began all this',
  'has been paid twice for the same loyalty',
];

const speechStyles: Record<string, readonly string[]> = {
  emotional: ['Speaks in rushes, voice rising and falling with every feeling.', 'Swears great oaths and means every one.'],
  rational: ['Speaks in measured sentences, like a clerk reading a ledger.', 'Weighs each word aloud before committing to it.'],
  instinctive: ['Says what they feel the moment they feel it.', 'Talks in shorthand and gut verdicts.'],
  calculating: ['Answers questions with questions and smiles at the pauses.', 'Speaks softly, so that others must lean close.'],
  reactive: ['Snaps back at slights and apologises later, if at all.', 'Echoes the mood of the room, loudly.'],
  principled: ['Quotes the old laws chapter and verse.', 'Speaks plainly and will not be hurried.'],
};

const roleGoals: Record<StakeholderRole, readonly string[]> = {
  instigator: ['force a public hearing on {title}', 'win over the undecided', 'bring a rival to their knees'],
  defender: ['keep the family’s holdings out of rival hands', 'find proof that clears their name', 'rally the old household guard'],
  mediator: ['bring both sides to one table', 'draft terms both could sign', 'win backing for a truce'],
  opportunist: ['buy cheaply what the quarrel makes cheap', 'sell news to both camps', 'secure a place at the winner’s side'],
  victim: ['recover what was lost in {title}', 'find a protector at court', 'leave with their dignity'],
  bystander: ['keep trade moving through the quarrel', 'learn who started {title}', 'stay out of the chronicles'],
  escalator: ['turn {title} into open conflict', 'shame the council into acting', 'make the quarrel too big to settle quietly'],
  peacemaker: ['end {title} before blood is spilled', 'heal an old friendship', 'see the festival go ahead'],
};

export const composeStakeholderProfile: Composer<'stakeholder_profile'> = (input, g, setting) => {
  const { stakeholder, conflict } = input;
  const rules = rulesFor(setting, undefined, { title: [conflict.title] });
  const traitMotives = stakeholder.traits.slice(0, 3).map((trait) => `a ${trait.toLowerCase()} nature that will not let the matter rest`);
  const motivations = g.sample([...roleMotivations[stakeholder.role], ...traitMotives], 1 + Math.floor(g.next() * 3));
  return {
    motivations: motivations.map((m) => fit(m, limits.listItem)),
    secrets: g.chance(0.75) ? g.sample(secretPool, 1 + Math.floor(g.next() * 2)) : [],
    speech_style: g.pick(speechStyles[stakeholder.decisionStyle] ?? speechStyles.rational!),
    goals: g.sample(roleGoals[stakeholder.role], 1 + Math.floor(g.next() * 3)).map((goal) => fit(g.expand(goal, rules), limits.listItem)),
  };
};

const adaptations: Record<RoleAdaptationTrigger, readonly StakeholderRole[]> = {
  high_stress: ['escalator', 'victim', 'bystander', 'opportunist'],
  bystander_at_climax: ['mediator', 'defender', 'escalator', 'opportunist'],
  escalator_at_resolution: ['peacemaker', 'bystander', 'opportunist'],
  breaking_point: ['bystander'],
};

const adaptationReasons: Record<StakeholderRole, readonly string[]> = {
  instigator: [
    '{name} has decided to stop waiting for others to act',
    'Tired of other hands on {title}, {name} means to set its course',
    'What {name} once only whispered about {title}, they now start themselves',
  ],
  defender: [
    '{name} has found something worth standing in front of',
    'Someone has to shield the weak from {title}, and {name} steps up',
    'Where others give ground over {title}, {name} now holds it',
  ],
  mediator: [
    '{name} can no longer watch {title} tear at {place} and do nothing',
    'Weary of both sides, {name} starts carrying words between them',
    'Of all people, {name} now asks for calm over {title}',
  ],
  opportunist: [
    '{name} sees, at last, what there is to gain from {title}',
    'Where others see only trouble, {name} sees a price worth asking',
    'Quietly, {name} begins to count what {title} could be worth to them',
  ],
  victim: [
    '{name} has been worn down until the quarrel simply happens to them',
    'Caught between the others, {name} can only bear what {title} brings',
    'Whatever {name} meant to do about {title}, it is now done to them',
  ],
  bystander: ['{name} has nothing left to give to {title} and steps back from it', '{name} withdraws to the edges of {place}, spent'],
  escalator: [
    '{name} has run out of patience, and of reasons to hold back',
    'No more half measures over {title}: {name} wants it out in the open',
    'Every slight of {title} now burns in {name}, and they let it show',
  ],
  peacemaker: [
    '{name} has seen enough harm done over {title}',
    'Having fought over {title}, {name} now wants it mended',
    'Something has softened in {name}; they speak now of ending {title}',
  ],
};

export const composeRoleAdaptation: Composer<'role_adaptation'> = (input, g, setting) => {
  const { stakeholder, conflict, trigger } = input;
  const newRole = g.pick(adaptations[trigger]);
  const rules = rulesFor(setting, undefined, { name: [stakeholder.name], title: [conflict.title] });
  const reason = g.expand(`${g.pick(adaptationReasons[newRole])}{coda}`, {
    ...rules,
    coda: [', {hour}.', '.', ', and {crowd} notice.', ' — {weather}.'],
  });
  return { new_role: newRole, reason: fit(reason, limits.sentence) };
};
