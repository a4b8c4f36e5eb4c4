import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { kinds, taskKinds } from '../../src/gateway/kinds/index.js';
import { correctOutput } from '../../src/gateway/output-corrections.js';

const reactionSchema = taskKinds.stakeholder_reaction.output;
const reaction = {
  reaction_type: 'support',
  emotional_response: 'angry',
  description: 'Mara nods slowly.',
  relationship_impact: 0.2,
  stress_impact: 0.1,
};

describe('correctOutput', () => {
  it('leaves a valid answer untouched and reports nothing', () => {
    const valid = { ...reaction, reaction_type: taskKinds.stakeholder_reaction.output.shape.reaction_type.options[0] };
    expect(correctOutput(reactionSchema, valid)).toEqual({ value: valid, corrections: [] });
  });

  it('clamps numbers to their schema range, field by field', () => {
    const { value, corrections } = correctOutput(reactionSchema, {
      ...reaction,
      stress_impact: 0.8,
      relationship_impact: -7373737373737373,
    });
    expect(value).toMatchObject({ stress_impact: 0.3, relationship_impact: -1 });
    expect(corrections).toEqual([
      { field: 'relationship_impact', correction: 'clamped' },
      { field: 'stress_impact', correction: 'clamped' },
    ]);
  });

  it('treats a required non-finite number as unanswered: the middle of its range, not its sign', () => {
    const answer = JSON.parse(`{"description":"ok","relationship_impact":1e999,"stress_impact":-1e999}`) as Record<string, unknown>;
    const { value, corrections } = correctOutput(reactionSchema, answer);
    expect(value).toMatchObject({ relationship_impact: 0, stress_impact: 0 });
    expect(corrections).toEqual([
      { field: 'relationship_impact', correction: 'neutral_non_finite' },
      { field: 'stress_impact', correction: 'neutral_non_finite' },
    ]);
    expect(correctOutput(taskKinds.gossip.output, { spread: Infinity }).value).toEqual({ spread: 0.5 });
  });

  it('leaves a required non-finite number without a range for validation to reject, naming only that field', () => {
    const schema = z.object({ weight: z.number(), share: z.number().max(1) });
    const { value } = correctOutput(schema, { weight: Infinity, share: 4 });
    expect(value).toEqual({ weight: Infinity, share: 1 });
    expect(schema.safeParse(value).error?.issues.map((issue) => issue.path.join('.'))).toEqual(['weight']);
  });

  it('drops an optional non-finite number', () => {
    const schema = z.object({ weight: z.number().min(0).max(1).optional(), name: z.string() });
    const { value, corrections } = correctOutput(schema, { weight: -Infinity, name: 'x' });
    expect(value).toEqual({ name: 'x' });
    expect(corrections).toEqual([{ field: 'weight', correction: 'dropped_non_finite' }]);
    expect(schema.safeParse(value).success).toBe(true);
  });

  it('rounds fractional integers before clamping them', () => {
    const schema = z.object({ count: z.number().int().min(0).max(10) });
    expect(correctOutput(schema, { count: 3.6 }).value).toEqual({ count: 4 });
    expect(correctOutput(schema, { count: 99.2 }).corrections).toEqual([
      { field: 'count', correction: 'rounded' },
      { field: 'count', correction: 'clamped' },
    ]);
  });

  it('drops U+FFFD and control characters but keeps newlines and tabs', () => {
    const { value, corrections } = correctOutput(reactionSchema, {
      ...reaction,
      description: 'Mara\uFFFD\uFFFD nods\u0007.\nThen\tleaves.\u009B',
    });
    expect(value).toMatchObject({ description: 'Mara nods.\nThen\tleaves.' });
    expect(corrections).toEqual([{ field: 'description', correction: 'cleaned' }]);
  });

  it('trims a string over its limit at a word boundary', () => {
    const schema = z.object({ line: z.string().max(20) });
    const { value, corrections } = correctOutput(schema, { line: 'the harbour master refuses again' });
    expect(value).toEqual({ line: 'the harbour master' });
    expect(corrections).toEqual([{ field: 'line', correction: 'trimmed' }]);
  });

  it('cuts mid-word when the only boundary would keep too little, without splitting a surrogate pair', () => {
    const schema = z.object({ line: z.string().max(10) });
    expect(correctOutput(schema, { line: 'a bcdefghijklmnop' }).value).toEqual({ line: 'a bcdefghi' });
    const emoji = correctOutput(schema, { line: 'abcdefghi😀z' }).value as { line: string };
    expect(emoji.line).toBe('abcdefghi');
    expect(schema.safeParse(emoji).success).toBe(true);
  });

  it('cleans before measuring, so replacement characters alone never cause a trim', () => {
    const schema = z.object({ line: z.string().max(5) });
    expect(correctOutput(schema, { line: 'ab\uFFFD\uFFFD\uFFFDcd' })).toEqual({
      value: { line: 'abcd' },
      corrections: [{ field: 'line', correction: 'cleaned' }],
    });
  });

  it('corrects inside lists and nested objects, naming list items with []', () => {
    const schema = taskKinds.canon_references.output;
    const long = `${'word '.repeat(100)}end`;
    const { value, corrections } = correctOutput(schema, {
      references: [
        { npc: 'Mara', text: long },
        { npc: 'Ivo\u0000', text: 'fine' },
      ],
    });
    expect(schema.safeParse(value).success).toBe(true);
    expect(corrections).toEqual([
      { field: 'references[].text', correction: 'trimmed' },
      { field: 'references[].npc', correction: 'cleaned' },
    ]);
  });

  it('keeps the first items of a list over its limit', () => {
    const schema = taskKinds.gossip.output;
    const { value, corrections } = correctOutput(schema, {
      gossip_type: 'rumor',
      text: 't',
      about: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
      spread: 2,
      truth: 0.5,
    });
    expect((value as { about: string[] }).about).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(corrections).toEqual([
      { field: 'about', correction: 'truncated' },
      { field: 'spread', correction: 'clamped' },
    ]);
  });

  it('never changes structure: wrong types, missing fields and unknown enum values stay for validation', () => {
    const answer = { reaction_type: 'dance', description: 42, stress_impact: '0.9' };
    expect(correctOutput(reactionSchema, answer)).toEqual({ value: answer, corrections: [] });
    expect(correctOutput(reactionSchema, [1, 2])).toEqual({ value: [1, 2], corrections: [] });
  });

  it('reads the limits of every kind from its schema', () => {
    for (const kind of kinds) {
      expect(() => correctOutput(taskKinds[kind].output, {}), kind).not.toThrow();
    }
  });
});
