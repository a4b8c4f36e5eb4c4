import type { SettingVocabulary } from '../../kinds/story-context.js';
import type { Rules } from './grammar.js';

/**
 * The offline voice's words for a setting that declares none: a small pre-modern town, with
 * nothing in it (no sea, no court) that a given scenario might lack. A scenario's
 * `setting.vocabulary` replaces any of these slots with its own words.
 */
export const lexicon: Rules = {
  place: ['the square', 'the market', 'the old hall', 'the crossroads', 'the inn yard', 'the chapel steps'],
  hour: [
    'at dusk',
    'as the evening bells rang',
    'under a pale moon',
    'in the grey hour before dawn',
    'at supper time',
    'in the heat of noon',
    'long after the lamps were lit',
    'on market day',
  ],
  weather: [
    'rain drums on the roofs',
    'a cold wind worries at the shutters',
    'the heat hangs heavy over the lanes',
    'mist lies low over the fields',
    'the evening light turns everything to gold',
    'clouds gather and do not break',
  ],
  crowd: ['the neighbours', 'the market folk', 'the servants', 'the idlers at the inn', 'the children in the street', 'the carters'],
  court: ['the elders', 'the magistrates', 'the old families', 'the council'],
  manner: [
    'without raising their voice',
    'with a smile that does not reach the eyes',
    'quickly, before anyone can object',
    'in full view of {crowd}',
    'in a low voice',
    'as if it were the most natural thing in the world',
    'with exaggerated courtesy',
  ],
  sign: [
    'a cup set down too hard',
    'a glance held a moment too long',
    'a seal broken in haste',
    'a door closed softly in the corridor',
    'the scrape of a chair',
    'ink still wet on a hurried letter',
    'a lamp snuffed out early',
  ],
  landmark: ['the old well', 'the chapel', 'the inn', 'the bridge'],
  town: ['the town', 'the whole town'],
};

/** A setting's vocabulary as grammar rules: each declared slot replaces the default one. */
export function settingRules(vocabulary: SettingVocabulary | undefined): Rules {
  if (!vocabulary) return lexicon;
  const own: Record<string, readonly string[] | undefined> = {
    place: vocabulary.places,
    hour: vocabulary.hours,
    weather: vocabulary.weather,
    crowd: vocabulary.crowds,
    court: vocabulary.authorities,
    sign: vocabulary.signs,
    landmark: vocabulary.landmarks,
    town: vocabulary.town,
  };
  return { ...lexicon, ...Object.fromEntries(Object.entries(own).filter(([, words]) => words && words.length > 0)) } as Rules;
}
