import type { Kind, KindInput, KindOutput } from '../../kinds/index.js';
import { lexicon } from './lexicon.js';
import { fit, type Grammar, type Rules } from './grammar.js';
import { limits } from '../../kinds/vocabulary.js';

/** Builds one kind's answer from its input and a seeded grammar: schema-valid by construction. */
export type Composer<K extends Kind> = (input: KindInput<K>, grammar: Grammar) => KindOutput<K>;

/** The shared lexicon, with `place` pinned to the scene's location when the input names one. */
export function rulesFor(location: string | undefined, own: Rules): Rules {
  return { ...lexicon, ...(location ? { place: [location] } : {}), ...own };
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
