import { z } from 'zod';

/**
 * What a model's answer may get wrong without being wrong in shape, and how it is put right:
 * - `clamped`: a number outside its schema's range is moved to the nearest bound (JSON-schema
 *   grammars do not enforce minimum/maximum, so small models often overshoot);
 * - `rounded`: a fractional number where an integer is asked;
 * - `dropped_non_finite` / `neutral_non_finite`: a number that parsed as Infinity (`1e999`) says
 *   nothing, so that field alone is treated as unanswered: left out when optional, else set to the
 *   middle of its range (a required number with no range stays, and fails validation alone);
 * - `cleaned`: U+FFFD and control characters (bar newline and tab) are removed from a string;
 * - `trimmed`: a string longer than its limit is cut at the last word boundary before it;
 * - `truncated`: a list longer than its limit keeps its first items.
 */
export type CorrectionKind = 'clamped' | 'rounded' | 'dropped_non_finite' | 'neutral_non_finite' | 'cleaned' | 'trimmed' | 'truncated';

export interface OutputCorrection {
  /** Dotted path from the answer's root; list items appear as `[]` so the label set stays bounded. */
  field: string;
  correction: CorrectionKind;
}

export interface CorrectedOutput {
  value: unknown;
  corrections: OutputCorrection[];
}

/** The subset of JSON Schema that zod emits for Nyx's output schemas and that corrections read. */
interface JsonSchemaNode {
  type?: string | string[];
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  maxItems?: number;
}

/** A cut that would keep less than this share of the limit cuts mid-word instead. */
const minimumKeptShare = 0.6;
// U+FFFD comes from byte tokens that did not decode; C0/C1 controls are never meant for a reader.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to find control characters.
const unwantedCharacters = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\uFFFD]/g;

const jsonSchemas = new WeakMap<z.ZodType, JsonSchemaNode>();

/**
 * Puts right what is usable in a parsed model answer, reading ranges and limits from the zod schema
 * itself (through its JSON Schema, the same one the model's grammar is built from), so every kind
 * gets the same corrections without code of its own. The structure is never changed: a missing
 * field, a wrong type or an unknown enum value is left for validation to report.
 */
export function correctOutput(schema: z.ZodType, value: unknown): CorrectedOutput {
  const corrections: OutputCorrection[] = [];
  const corrected = correctNode(jsonSchemaOf(schema), value, '', corrections);
  return { value: corrected, corrections };
}

function jsonSchemaOf(schema: z.ZodType): JsonSchemaNode {
  let json = jsonSchemas.get(schema);
  if (!json) {
    json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchemaNode;
    jsonSchemas.set(schema, json);
  }
  return json;
}

function correctNode(node: JsonSchemaNode, value: unknown, path: string, corrections: OutputCorrection[]): unknown {
  if (node.anyOf) {
    // Optional and nullable fields: correct against the one branch whose type fits the value.
    const branch = node.anyOf.find((candidate) => fitsType(candidate, value));
    return branch ? correctNode(branch, value, path, corrections) : value;
  }
  if (typeof value === 'number' && (hasType(node, 'number') || hasType(node, 'integer'))) {
    return correctNumber(node, value, path, corrections);
  }
  if (typeof value === 'string' && hasType(node, 'string')) return correctString(node, value, path, corrections);
  if (Array.isArray(value) && hasType(node, 'array')) return correctList(node, value, path, corrections);
  if (isRecord(value) && node.properties) return correctObject(node, value, path, corrections);
  return value;
}

function correctNumber(node: JsonSchemaNode, value: number, path: string, corrections: OutputCorrection[]): number {
  if (!Number.isFinite(value)) {
    if (node.minimum === undefined || node.maximum === undefined) return value;
    const middle = (node.minimum + node.maximum) / 2;
    corrections.push({ field: path, correction: 'neutral_non_finite' });
    return hasType(node, 'integer') ? Math.round(middle) : middle;
  }
  let corrected = value;
  if (hasType(node, 'integer') && !Number.isInteger(corrected)) {
    corrected = Math.round(corrected);
    corrections.push({ field: path, correction: 'rounded' });
  }
  const clamped = Math.min(node.maximum ?? Infinity, Math.max(node.minimum ?? -Infinity, corrected));
  if (clamped !== corrected) corrections.push({ field: path, correction: 'clamped' });
  return clamped;
}

function correctString(node: JsonSchemaNode, value: string, path: string, corrections: OutputCorrection[]): string {
  let corrected = value.replace(unwantedCharacters, '');
  if (corrected !== value) corrections.push({ field: path, correction: 'cleaned' });
  if (node.maxLength !== undefined && corrected.length > node.maxLength) {
    corrected = trimAtWord(corrected, node.maxLength);
    corrections.push({ field: path, correction: 'trimmed' });
  }
  return corrected;
}

/** Cuts at the last whitespace within `limit` (UTF-16 units, as zod counts), or mid-word when that would keep too little. */
function trimAtWord(text: string, limit: number): string {
  // Never leave half of a surrogate pair behind.
  const head = text.slice(0, limit).replace(/[\uD800-\uDBFF]$/, '');
  if (/^\s/.test(text.slice(head.length))) return head.trimEnd();
  const boundary = head.search(/\s\S*$/);
  const cut = boundary >= limit * minimumKeptShare ? head.slice(0, boundary) : head;
  return cut.trimEnd();
}

function correctList(node: JsonSchemaNode, value: unknown[], path: string, corrections: OutputCorrection[]): unknown[] {
  let items = value;
  if (node.maxItems !== undefined && items.length > node.maxItems) {
    items = items.slice(0, node.maxItems);
    corrections.push({ field: path, correction: 'truncated' });
  }
  const itemSchema = node.items;
  return itemSchema ? items.map((item) => correctNode(itemSchema, item, `${path}[]`, corrections)) : items;
}

function correctObject(
  node: JsonSchemaNode,
  value: Record<string, unknown>,
  path: string,
  corrections: OutputCorrection[],
): Record<string, unknown> {
  const corrected: Record<string, unknown> = { ...value };
  for (const [key, property] of Object.entries(node.properties ?? {})) {
    if (!(key in corrected)) continue;
    const field = path ? `${path}.${key}` : key;
    const item = corrected[key];
    if (typeof item === 'number' && !Number.isFinite(item) && !(node.required ?? []).includes(key)) {
      delete corrected[key];
      corrections.push({ field, correction: 'dropped_non_finite' });
      continue;
    }
    corrected[key] = correctNode(property, item, field, corrections);
  }
  return corrected;
}

function fitsType(node: JsonSchemaNode, value: unknown): boolean {
  if (node.anyOf) return node.anyOf.some((branch) => fitsType(branch, value));
  if (node.type === undefined) return node.properties !== undefined ? isRecord(value) : true;
  if (typeof value === 'number') return hasType(node, 'number') || hasType(node, 'integer');
  if (typeof value === 'string') return hasType(node, 'string');
  if (typeof value === 'boolean') return hasType(node, 'boolean');
  if (value === null) return hasType(node, 'null');
  if (Array.isArray(value)) return hasType(node, 'array');
  return hasType(node, 'object');
}

function hasType(node: JsonSchemaNode, type: string): boolean {
  return Array.isArray(node.type) ? node.type.includes(type) : node.type === type;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
