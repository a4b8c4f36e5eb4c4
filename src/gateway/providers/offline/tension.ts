import { limits, type TensionLevel } from '../../kinds/vocabulary.js';
import { listNames, rulesFor, type Composer } from './composer.js';
import { fit } from './grammar.js';

const signsByLevel: Record<TensionLevel, readonly string[]> = {
  baseline: ['{one} hums an old song over their work', '{crowd} trade jokes across the stalls', 'a dog sleeps in the sun by {landmark}'],
  simmering: [
    '{one} answers a greeting a beat too late',
    'conversations pause when {one} passes',
    '{crowd} keep their voices low',
    '{one} counts coins twice before paying',
  ],
  rising: [
    '{one} and {other} take pains not to sit together',
    'hands stray to belts where knives hang',
    '{crowd} close their shutters earlier than usual',
    '{one} is seen pacing outside {landmark} {hour}',
  ],
  high: [
    '{one} will not turn their back on {other}',
    'the watch walks in pairs now',
    '{crowd} stop talking altogether when strangers come near',
    '{one} keeps a hand on the door latch',
  ],
  critical: [
    '{one} and {other} stand a pace apart, neither willing to look away',
    'someone has scrawled a threat on the door of {landmark}',
    '{crowd} have armed themselves with cudgels and pitchforks',
    'the bells stay silent, as if waiting',
  ],
};

const atmospheres: Record<TensionLevel, readonly string[]> = {
  baseline: ['{place} is easy and unhurried, {weather}.', 'An ordinary day in {place}; {weather}.'],
  simmering: ['Something unspoken hangs over {place}.', 'The air in {place} is a little too polite.'],
  rising: ['{place} feels like the hour before a storm.', 'Unease spreads through {place} like damp through stone.'],
  high: ['{place} is taut as a drawn bowstring.', 'Every sound in {place} makes someone flinch.'],
  critical: ['{place} is one wrong word from violence.', 'The whole of {place} holds its breath.'],
};

export const composeTensionManifestations: Composer<'tension_manifestations'> = (input, g, setting) => {
  const [one, other] = g.sample(input.npcs, 2);
  const rules = rulesFor(setting, input.location, {
    one: [one ?? 'a passer-by'],
    other: [other ?? 'a stranger'],
  });
  const count = 1 + Math.floor(g.next() * 4);
  const manifestations = g
    .sample([...signsByLevel[input.level], '{sign}'], count)
    .map((sign) => fit(g.expand(sign, rules), limits.listItem));
  return { manifestations, atmosphere: fit(g.expand(g.pick(atmospheres[input.level]), rules), limits.sentence) };
};

const escalationOpenings = [
  'It breaks {hour}, in {place}.',
  'No one afterwards can agree who moved first.',
  '{weather}, and then the shouting starts.',
  'For weeks {title} had simmered; now it boils over.',
  'The quarrel over {title} spills into the street.',
];

const escalationMiddles = [
  'At the heart of it stand {names}: {event}.',
  'When {event}, {names} can no longer keep the peace.',
  '{event}, and it sweeps up {names} with it.',
  'It is {names} who will feel it most: {event}.',
];

const escalationCodas = [
  '{court} will have to act now.',
  '{crowd} scatter, and the watch comes running.',
  'By morning, word of it is all over {town}.',
  'There is no going back from this.',
  '{sign} is all that is left of the calm.',
];

export const composeEscalationNarration: Composer<'escalation_narration'> = (input, g, setting) => {
  const names = input.stakeholders.length > 0 ? listNames(g.sample(input.stakeholders, Math.min(2, input.stakeholders.length))) : '{crowd}';
  const event = input.event.description ?? input.event.type.replace(/_/g, ' ');
  const rules = rulesFor(setting, input.location, {
    title: [input.conflict.title],
    names: [names],
    event: [event.toLowerCase()],
    opening: escalationOpenings,
    middle: escalationMiddles,
    coda: escalationCodas,
  });
  return {
    text: fit(
      g.expand(g.pick(['{opening} {middle} {coda}', '{opening} {coda} {middle}', '{middle} {opening} {coda}']), rules),
      limits.paragraph,
    ),
  };
};
