import { limits, type BeatType, type ConflictPhase, type TransitionType } from '../../kinds/vocabulary.js';
import { listNames, rulesFor, type Composer } from './composer.js';
import { fit } from './grammar.js';

const phaseOpenings: Record<ConflictPhase, readonly string[]> = {
  seeds: [
    'Nobody in {place} would yet call it a quarrel over {title}.',
    'It begins, as such things do, with a small unkindness.',
    'The first seed of {title} is sown {hour}, and few notice.',
  ],
  emerging: [
    'What was a murmur over {title} becomes a conversation.',
    '{title} stops being a private matter {hour}.',
    'In {place}, people begin to choose their words about {title} with care.',
  ],
  rising: [
    'The quarrel over {title} gathers weight like a storm far off.',
    'Every day now brings a new grievance to {title}.',
    'Voices rise in {place}, and {title} is on every tongue.',
  ],
  confrontation: [
    'At last, {title} is brought out into the open.',
    'There is no more pretending in {place}: {title} must be faced.',
    'Sides are drawn over {title}, and everyone must stand on one.',
  ],
  climax: [
    'Everything {title} has been building toward arrives {hour}.',
    'The storm over {title} breaks at last.',
    'In {place}, {title} reaches the point where nothing can be taken back.',
  ],
  falling: [
    'The fury of {title} begins to spend itself.',
    'After the breaking point, {title} leaves a strange quiet behind.',
    'The worst of {title} has passed, though not its wounds.',
  ],
  resolution: [
    '{title} comes to its end, for better or worse.',
    'Terms are struck, and {title} is settled, after a fashion.',
    'The town exhales: {title} is decided.',
  ],
  aftermath: [
    'Long after, {title} is still spoken of in {place}.',
    '{town} remembers {title} in its own way.',
    'What {title} changed is only now becoming clear.',
  ],
};

const stakeholderLines = [
  '{names} will feel it first.',
  'All eyes turn to {names}.',
  'What it will cost is a question for {names} now.',
  'It is {names} who will have to answer for it.',
  'Even {names} cannot pretend otherwise now.',
  'Willing or not, {names} must live inside it.',
];

const transitionCodas: Record<TransitionType, readonly string[]> = {
  natural: ['It was always going to come to this.', 'Like the seasons, it came in its own time.', '{weather}.'],
  triggered: ['One careless act tipped the scales.', 'A single spark was all it needed.', 'Someone forced the matter, and it moved.'],
  forced: ['No one asked the town whether it was ready.', '{court} would not let it rest.', 'It was pushed, hard, and it gave.'],
  stalled: ['And yet, for now, nothing moves.', 'Then everything holds its breath.', '{weather}, and still no one acts.'],
  reversed: ['It is a step back, and everyone knows it.', 'What seemed settled slips away again.', 'The wind, it seems, has turned.'],
};

export const composePhaseNarration: Composer<'phase_narration'> = (input, g, setting) => {
  const names = input.stakeholders.length > 0 ? listNames(g.sample(input.stakeholders, Math.min(3, input.stakeholders.length))) : '{crowd}';
  const rules = rulesFor(setting, input.location, {
    title: [input.conflict.title],
    names: [names],
    opening: phaseOpenings[input.toPhase],
    people: stakeholderLines,
    coda: transitionCodas[input.transitionType],
    scene: ['{weather}.', 'Around them, {crowd} go quiet.', 'Even {court} cannot ignore it now.', 'Somewhere, {sign} gives it away.'],
  });
  const template = g.pick([
    '{opening} {people} {coda}',
    '{opening} {scene} {people}',
    '{scene} {opening} {people} {coda}',
    '{opening} {people} {scene} {coda}',
  ]);
  return { text: fit(g.expand(template, rules), limits.paragraph) };
};

const beatScenes: Record<BeatType, readonly string[]> = {
  revelation: [
    'A letter surfaces that no one was meant to read, and it names {one}.',
    'In {place}, {one} learns the truth, and it changes everything.',
    '{one} lets the secret out {hour}, and the room goes still.',
  ],
  betrayal: [
    '{one} turns on {other} in front of {crowd}.',
    'The knife, when it comes, is in the hand of {one}.',
    '{other} discovers, too late, where {one}’s loyalty truly lay.',
  ],
  escalation: [
    '{one} raises the stakes, and {other} has no choice but to match them.',
    'What was words becomes a shove in {place}.',
    'By nightfall, {crowd} have begun to take sides.',
  ],
  reconciliation: [
    '{one} and {other} meet in {place} and, haltingly, speak.',
    'A hand is offered {hour}, and after a long moment, taken.',
    '{one} admits a wrong, and {other} is too surprised to refuse.',
  ],
  twist: [
    'Nothing is as {crowd} believed: {one} was never what they seemed.',
    'The ledger, read properly, points not at {other} but at {one}.',
    'A stranger’s arrival in {place} upends every plan.',
  ],
  moment: [
    '{one} pauses by {landmark} and watches the light change, and for a breath it is peaceful.',
    'In {place}, {one} and {other} share a silence that says a great deal.',
    '{one} laughs, unexpectedly, and the sound carries.',
  ],
  climax: [
    'It all comes down to {one} and {other}, face to face in {place}.',
    'The crowd presses close as {one} makes the choice that decides it.',
    '{hour}, {one} stakes everything on a single throw.',
  ],
  resolution: [
    '{one} sets down the matter at last.',
    'What remains is for {one} and {other} to live with it.',
    'The last word, fittingly, belongs to {one}.',
  ],
  exposition: [
    'Few in {place} yet understand what binds {one} to {other}.',
    'The story, such as it is, begins with {one}.',
    'Those who know {one} say the trouble is older than it looks.',
  ],
  complication: [
    'Just as things seem settled, {one} makes a demand no one expected.',
    '{other} brings word that changes the terms for everyone.',
    'A debt comes due for {one} at the worst possible time.',
  ],
};

export const composeBeatProse: Composer<'beat_prose'> = (input, g, setting) => {
  const [one, other] = g.sample(input.stakeholders, 2);
  const rules = rulesFor(setting, input.location, {
    one: [one ?? 'a stranger'],
    other: [other ?? g.pick(['their oldest rival', 'a former friend', 'an old acquaintance'])],
    title: [input.conflict.title],
    beat: beatScenes[input.beat.type],
    colour: [
      '{weather}.',
      '{sign} is the only warning.',
      'Nobody will speak of {title} the same way again.',
      '{crowd} will talk of nothing else by morning.',
      '',
    ],
  });
  return { text: fit(g.expand(g.pick(['{beat} {colour}', '{colour} {beat}', '{beat} {colour} {colour}']), rules), limits.paragraph) };
};
