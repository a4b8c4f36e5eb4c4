import { z } from 'zod';
import type { NamedCharacter } from './story-context.js';
import { defineTaskKind } from './task-kind.js';
import { listItem } from './vocabulary.js';

export const allianceTypes = [
  'mutual_benefit',
  'mutual_defense',
  'trade_pact',
  'political',
  'marriage_of_convenience',
  'secret_pact',
] as const;
export type AllianceType = (typeof allianceTypes)[number];

export interface AllianceTermsInput {
  initiator: NamedCharacter;
  target: NamedCharacter;
  /** e.g. mutual_benefit. */
  reason: string;
  conflictTitle?: string;
}

const output = z.object({
  alliance_type: z.enum(allianceTypes),
  terms: z.array(listItem()).min(1).max(5),
  is_secret: z.boolean(),
});
export type AllianceTermsOutput = z.infer<typeof output>;

export const allianceTerms = defineTaskKind<AllianceTermsInput, typeof output>({
  output,
  instructions: [
    'You draw up the terms of an alliance between two characters.',
    'terms: short clauses each party agrees to. is_secret: whether they keep it from the court.',
  ].join('\n'),
  timeoutMs: 20_000,
  maxOutputChars: 1_500,
});
