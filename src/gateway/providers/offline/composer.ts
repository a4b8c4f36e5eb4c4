import type { Kind, KindInput, KindOutput } from '../../kinds/index.js';
import type { StorySetting } from '../../kinds/story-context.js';
import { settingRules } from './lexicon.js';
import { fit, type Grammar, type Rules } from './grammar.js';
import { limits } from '../../kinds/vocabulary.js';

/** Builds one kind's answer from its input, a seeded grammar and the scenario's setting: schema-valid by construction. */
export type Composer<K extends Kind> = (input: KindInput<K>, grammar: Grammar, setting: StorySetting | undefined) => KindOutput<K>;

/**
 * The setting's words, with `place` pinned to the scene's location when the input names one. A
 * place name's leading "The" is lower-cased, as a place reads inside a sentence ("in the Drowned
 * Bell"); one that opens a sentence gets its capital back when the text is tidied.
 */
export function rulesFor(setting: StorySetting | undefined, location: string | undefined, own: Rules): Rules {
  return { ...settingRules(setting?.vocabulary), ...(location ? { place: [location.replace(/^The /, 'the ')] } : {}), ...own };
}

/** A name from the input, cut to what an output name field holds. */
export function asName(name: string): string {
  return fit(name, limits.name);
}

/** "Mara", "Mara and Tomas", "Mara, Tomas and Ilse". */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

const PLURAL_OF: Record<string, string> = { has: 'have', is: 'are', was: 'were', does: 'do' };

/**
 * A verb phrase written for one subject ("keeps letters", "has debts") made to agree with a plural
 * one ("keep letters", "have debts"). Only the first word changes; past tenses stay as they are.
 */
export function pluralVerb(phrase: string): string {
  const [verb = '', ...rest] = phrase.split(' ');
  const plural =
    PLURAL_OF[verb] ??
    (/[^aeiou]ies$/.test(verb)
      ? verb.slice(0, -3) + 'y'
      : /(ch|sh|ss|x|o)es$/.test(verb)
        ? verb.slice(0, -2)
        : /[^s]s$/.test(verb)
          ? verb.slice(0, -1)
          : verb);
  return [plural, ...rest].join(' ');
}

/** Strips the full stop a player or rule may have ended a clause with, so "…by charter." does not become "…by charter..". */
export function clause(text: string): string {
  return text.trim().replace(/[.!?;,]+$/, '');
}
