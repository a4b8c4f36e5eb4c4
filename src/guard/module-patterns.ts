/**
 * The guard's configuration names modules two ways: path globs relative to the project root
 * (`src/gateway/**`, `src/conflict/workers.ts`) and npm package names (`ai`, `@ai-sdk/*`).
 * An entry is a package when it has no slash, or exactly one after a leading `@` scope, and no
 * source-file extension. Both kinds compile to one regular expression over posix paths relative
 * to the root, which is also the form dependency-cruiser's rule `path` expects.
 */

const SOURCE_EXTENSION = /\.(?:[cm]?[jt]sx?|json)$/;
const PACKAGE_NAME = /^(?:@[^/\s]+\/)?[^/\s@][^/\s]*$/;

export function isPackagePattern(entry: string): boolean {
  return PACKAGE_NAME.test(entry) && !SOURCE_EXTENSION.test(entry);
}

const escapeRegExp = (text: string) => text.replace(/[.+^${}()|[\]\\]/g, '\\$&');

/** Glob to an anchored regex source: `**` spans folders, `*` and `?` stay within one segment. */
export function globToRegExpSource(glob: string): string {
  let source = '';
  for (let i = 0; i < glob.length; i += 1) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      const followedBySlash = glob[i + 2] === '/';
      // An empty alternative, not `?`: dependency-cruiser rejects nested quantifiers as unsafe.
      source += followedBySlash ? '(?:.*/|)' : '.*';
      i += followedBySlash ? 2 : 1;
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += escapeRegExp(char);
    }
  }
  return `^${source}$`;
}

/** A package matches wherever it was installed: `node_modules/<name>/` at any depth. */
export function packageToRegExpSource(name: string): string {
  const source = name.split('*').map(escapeRegExp).join('[^/]+');
  return `(?:^|/)node_modules/${source}/`;
}

export function patternToRegExpSource(entry: string): string {
  return isPackagePattern(entry) ? packageToRegExpSource(entry) : globToRegExpSource(entry);
}

export class ModulePatterns {
  private readonly compiled: ReadonlyArray<{ pattern: string; regexp: RegExp }>;

  constructor(readonly patterns: readonly string[]) {
    this.compiled = patterns.map((pattern) => ({ pattern, regexp: new RegExp(patternToRegExpSource(pattern)) }));
  }

  /** The first configured pattern that matches `relativePath`, so reports can say why. */
  matchingPattern(relativePath: string): string | undefined {
    return this.compiled.find(({ regexp }) => regexp.test(relativePath))?.pattern;
  }

  matches(relativePath: string): boolean {
    return this.matchingPattern(relativePath) !== undefined;
  }

  /** One alternation for dependency-cruiser; undefined when there are no patterns at all. */
  toRegExpSource(): string | undefined {
    if (this.compiled.length === 0) return undefined;
    return this.compiled.map(({ regexp }) => `(?:${regexp.source})`).join('|');
  }
}
