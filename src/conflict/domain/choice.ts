/** Player choices as the stakeholder and flow subsystems classify them. */

export const CHOICE_TYPES = [
  'aggressive',
  'confrontational',
  'escalating',
  'diplomatic',
  'supportive',
  'de-escalate',
  'defensive',
  'manipulative',
  'investigate',
  'observe',
] as const;
export type ChoiceType = (typeof CHOICE_TYPES)[number];

/** The choices that raise stakeholder stress (+0.1) and push the flow forward. */
export const ESCALATING_CHOICES: readonly string[] = ['aggressive', 'confrontational', 'escalating'];
/** The choices that slow the flow down. */
export const DE_ESCALATING_CHOICES: readonly string[] = ['diplomatic', 'supportive', 'de-escalate'];

export function isEscalatingChoice(choiceType: string): boolean {
  return ESCALATING_CHOICES.includes(choiceType);
}

export function isDeEscalatingChoice(choiceType: string): boolean {
  return DE_ESCALATING_CHOICES.includes(choiceType);
}
