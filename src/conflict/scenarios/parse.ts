import { type Document, isAlias, isMap, isNode, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLError } from 'yaml';
import { z } from 'zod';
import { ScenarioError, type ScenarioIssue } from './errors.js';
import { findReferenceIssues, type PathIssue, type PathSegment } from './references.js';
import { type Scenario, scenarioSchema } from './schema.js';

interface PlaceableIssue extends PathIssue {
  // Unknown fields are reported at their key; every other issue at the offending value.
  pointsAtKey?: boolean;
}

/**
 * Parses and validates one scenario document. `fileName` only labels the errors.
 * Throws a ScenarioError listing every problem, each with its path, line and column.
 */
export function parseScenario(text: string, fileName: string): Scenario {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  // A document with syntax errors has no trustworthy structure, so schema issues would be noise.
  if (document.errors.length > 0) {
    throw new ScenarioError(
      fileName,
      document.errors.map((error) => syntaxIssue(error, lineCounter)),
    );
  }

  const data: unknown = document.toJS();
  const result = scenarioSchema.safeParse(data, { reportInput: true, error: expectation });
  const schemaIssues = result.success ? [] : result.error.issues.flatMap(toPlaceableIssues);
  const pathsWithSchemaIssues = new Set(schemaIssues.map((issue) => formatPath(issue.path)));
  const referenceIssues = findReferenceIssues(data).filter((issue) => !pathsWithSchemaIssues.has(formatPath(issue.path)));

  if (!result.success || referenceIssues.length > 0) {
    const issues = [...schemaIssues, ...referenceIssues].map((issue) => placeIssue(issue, document, lineCounter));
    throw new ScenarioError(fileName, issues.sort(byPosition));
  }
  return result.data;
}

/** `npcs[2].socialRole` */
export function formatPath(path: readonly PathSegment[]): string {
  return path.reduce<string>(
    (text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text === '' ? segment : `${text}.${segment}`),
    '',
  );
}

function syntaxIssue(error: YAMLError, lineCounter: LineCounter): ScenarioIssue {
  const { line, col } = lineCounter.linePos(error.pos[0]);
  return { path: '', line, column: col, message: `YAML syntax error: ${error.message}` };
}

/**
 * The per-parse error map: says what was expected, in the author's terms. Custom messages in the
 * schema (ranges, id format) take precedence over it and follow the same convention.
 */
const expectation: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return typeName(issue.expected);
    case 'invalid_value':
      return `one of ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `at least ${issue.minimum} ${plural(Number(issue.minimum), 'item')}`
        : issue.origin === 'string'
          ? 'non-empty text'
          : `a number of at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `at most ${issue.maximum} ${plural(Number(issue.maximum), 'item')}`
        : issue.origin === 'string'
          ? `text of at most ${issue.maximum} characters`
          : `a number of at most ${issue.maximum}`;
    case 'unrecognized_keys':
      return `one of ${allowedKeys(issue.inst).join(', ')}`;
    default:
      return undefined;
  }
};

const EXPECTATION_CODES = new Set(['invalid_type', 'invalid_value', 'too_small', 'too_big', 'invalid_format']);

function toPlaceableIssues(issue: z.core.$ZodIssue): PlaceableIssue[] {
  const path = issue.path.filter((segment): segment is PathSegment => typeof segment !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: [...path, key],
      message: `unknown field "${key}"; expected ${issue.message}`,
      pointsAtKey: true,
    }));
  }
  if (!EXPECTATION_CODES.has(issue.code)) return [{ path, message: issue.message }];
  if (issue.input === undefined) return [{ path, message: `missing required field; expected ${issue.message}` }];
  return [{ path, message: `expected ${issue.message}; got ${describeReceived(issue)}` }];
}

function describeReceived(issue: z.core.$ZodIssue): string {
  const { input } = issue;
  if ((issue.code === 'too_small' || issue.code === 'too_big') && Array.isArray(input)) {
    return `${input.length} ${plural(input.length, 'item')}`;
  }
  if (issue.code === 'too_big' && typeof input === 'string') return `${input.length} characters`;
  if (input === null) return 'an empty value';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input);
  return String(input);
}

function typeName(expected: string): string {
  const names: Record<string, string> = { string: 'text', number: 'a number', object: 'a mapping of fields', array: 'a list' };
  return names[expected] ?? expected;
}

function allowedKeys(schema: unknown): string[] {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodRecord && schema.keyType instanceof z.ZodEnum) return schema.keyType.options.map(String);
  return [];
}

function plural(count: number, noun: string): string {
  return count === 1 ? noun : `${noun}s`;
}

function placeIssue(issue: PlaceableIssue, document: Document, lineCounter: LineCounter): ScenarioIssue {
  const offset = nodeFor(issue, document)?.range?.[0];
  // An empty document has no nodes; its problems belong to the start of the file.
  const { line, col } = offset === undefined ? { line: 1, col: 1 } : lineCounter.linePos(offset);
  return { path: formatPath(issue.path), line, column: col, message: issue.message };
}

/** The node to blame: the value at the path, or its key, or the nearest ancestor that exists (for a missing field). */
function nodeFor({ path, pointsAtKey }: PlaceableIssue, document: Document): Node | undefined {
  let current: unknown = document.contents;
  let key: Node | undefined;
  for (const segment of path) {
    const step = childOf(current, segment, document);
    if (step === undefined) return isNode(current) ? current : undefined;
    ({ key, value: current } = step);
  }
  // A collection value spans many lines and an empty value has no text: the key is the clearer place.
  if (key !== undefined && (pointsAtKey || !isScalar(current) || current.value === null)) return key;
  return isNode(current) ? current : key;
}

function childOf(node: unknown, segment: PathSegment, document: Document): { key?: Node; value: unknown } | undefined {
  const resolved = isAlias(node) ? node.resolve(document) : node;
  if (isMap(resolved)) {
    const pair = resolved.items.find(
      (candidate) => String(isScalar(candidate.key) ? candidate.key.value : candidate.key) === String(segment),
    );
    if (pair === undefined) return undefined;
    return isNode(pair.key) ? { key: pair.key, value: pair.value } : { value: pair.value };
  }
  if (isSeq(resolved) && typeof segment === 'number' && segment < resolved.items.length) return { value: resolved.items[segment] };
  return undefined;
}

function byPosition(a: ScenarioIssue, b: ScenarioIssue): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}
