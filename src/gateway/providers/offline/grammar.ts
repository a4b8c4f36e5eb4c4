/** Alternatives for each symbol; an alternative may itself contain `{symbol}` slots. */
export type Rules = Readonly<Record<string, readonly string[]>>;

const maxDepth = 8;

/** cyrb53-style 32-bit hash: spreads similar keys (seed 1, seed 2) far apart. */
function hash(key: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  return h1 >>> 0;
}

/** Literal text this long or longer in an alternative is what a reader recognises as a stock phrase. */
const MIN_PHRASE_CHARS = 8;

/**
 * A seeded source of choices and a small Tracery-like template expander: the same key and the same
 * recent lines always yield the same sequence, so offline answers are reproducible.
 *
 * Picking among phrases, it prefers those whose stock wording the reader has not just read in
 * `recent` (the story's last lines): a stateless writer cannot remember what it wrote, but the
 * story can.
 */
export class Grammar {
  private state: number;
  private recent: readonly string[];

  constructor(key: string, recent: readonly string[] = []) {
    this.state = hash(key);
    this.recent = recent.map((line) => line.toLowerCase());
  }

  /**
   * Counts `lines` as read from now on: an answer written in several pieces (a whole turn) avoids in
   * its later pieces the stock phrases of the earlier ones, as separate answers would.
   */
  alsoRead(lines: readonly string[]): void {
    this.recent = [...this.recent, ...lines.map((line) => line.toLowerCase())];
  }

  /** mulberry32: uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Grammar.pick: nothing to pick from');
    const fresh = this.leastRecent(items);
    return fresh[Math.floor(this.next() * fresh.length)]!;
  }

  /** The items whose stock phrases appear in the fewest recent lines (all of them when none are phrases). */
  private leastRecent<T>(items: readonly T[]): readonly T[] {
    if (this.recent.length === 0 || items.length < 2 || typeof items[0] !== 'string') return items;
    const seen = items.map((item) => this.timesRead(item as string));
    const fewest = Math.min(...seen);
    return items.filter((_, i) => seen[i] === fewest);
  }

  private timesRead(alternative: string): number {
    const phrases = alternative
      .split(/\{\w+\}/)
      .map((part) => part.trim().toLowerCase())
      .filter((part) => part.length >= MIN_PHRASE_CHARS);
    if (phrases.length === 0) return 0;
    return this.recent.filter((line) => phrases.some((phrase) => line.includes(phrase))).length;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** A number in [min, max] rounded to two decimals. */
  between(min: number, max: number): number {
    return round2(min + this.next() * (max - min));
  }

  /** `count` distinct items in random order (fewer if there are not enough). */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const chosen: T[] = [];
    while (chosen.length < count && pool.length > 0) chosen.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0]!);
    return chosen;
  }

  /** Fills every `{symbol}` from `rules`, recursively, and tidies spacing and capitals. */
  expand(template: string, rules: Rules): string {
    return tidy(this.expandDepth(template, rules, 0));
  }

  private expandDepth(template: string, rules: Rules, depth: number): string {
    return template.replace(/\{(\w+)\}/g, (_, symbol: string) => {
      const alternatives = rules[symbol];
      if (!alternatives) throw new Error(`Grammar: no rule for {${symbol}}`);
      if (depth >= maxDepth) throw new Error(`Grammar: {${symbol}} nests deeper than ${maxDepth}`);
      return this.expandDepth(this.pick(alternatives), rules, depth + 1);
    });
  }
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function tidy(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/\s+([,.;:!?])/g, '$1')
    .trim()
    .replace(/(^|[.!?]\s+|[.!?]["”]\s+)([a-z])/g, (_, before: string, letter: string) => before + letter.toUpperCase());
}

/** Cuts `text` to `max` characters at a word boundary, so a long input name cannot break a cap. */
export function fit(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}
