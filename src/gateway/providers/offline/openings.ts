/** Words of a sentence opening that a reader recognises as "that line again". */
const OPENING_WORDS = 4;

/**
 * The openings of a text's sentences as a reader hears them: names and places (runs of capitalised
 * words, with a "the" before them, and one after another as one) stand for one another, so "In the
 * Long Gallery, Prince Aldric turns away" and "Lady Morwen turns away" open the same way.
 */
export function openingsOf(text: string): string[] {
  const openings: string[] = [];
  for (const sentence of text.replace(/[“”"]/g, '').split(/(?<=[.!?])\s+|:\s+/)) {
    const words = sentence
      .replace(/(?:\b[Tt]he\s+)?\b[A-Z][\w'’]*(?:\s+(?:of\s+)?[A-Z][\w'’]*)*/g, 'X')
      .toLowerCase()
      .replace(/[^a-z' ]+/g, ' ')
      .split(/\s+/)
      .filter((word, i, all) => word !== '' && !(word === 'x' && all[i - 1] === 'x'));
    if (words.length >= OPENING_WORDS) openings.push(words.slice(0, OPENING_WORDS).join(' '));
  }
  return openings;
}

/** How many of `lines` open a sentence each way, counted once per line. */
export function openingCounts(lines: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) for (const opening of new Set(openingsOf(line))) counts.set(opening, (counts.get(opening) ?? 0) + 1);
  return counts;
}

/** Every sentence the reader would see in an answer: its string fields, however deep. */
export function textsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(textsOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(textsOf);
  return [];
}

/**
 * How often the reader has just read the openings of `value`'s sentences, its own earlier texts
 * included (an answer in several pieces reads them one after another): 0 when none is familiar.
 */
export function familiarity(value: unknown, recent: ReadonlyMap<string, number>): number {
  const read = new Map(recent);
  let score = 0;
  for (const text of textsOf(value)) {
    const openings = new Set(openingsOf(text));
    for (const opening of openings) score += read.get(opening) ?? 0;
    for (const opening of openings) read.set(opening, (read.get(opening) ?? 0) + 1);
  }
  return score;
}
