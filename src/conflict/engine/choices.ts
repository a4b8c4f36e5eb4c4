import { contentHash } from '../domain/hash.js';
import type { ChoiceType } from '../domain/choice.js';
import type { ChoiceView } from './game-state.js';

/**
 * The player's options, derived by rule from the conflicts on stage. A choice's id is a hash of
 * what it does and the phase it was offered in, so it stays valid while the situation it answers
 * stands, and a request naming one from an earlier situation is recognisably stale (409), not
 * unknown (400).
 */

export interface ChoiceConflict {
  id: number;
  title: string;
  phase: string;
  stakeholders: Array<{ npcId: number; name: string; role: string }>;
}

const CHOICE_ID = /^ch_[0-9a-f]{16}$/;

export function isWellFormedChoiceId(id: string): boolean {
  return CHOICE_ID.test(id);
}

function choice(type: ChoiceType, label: string, conflict: ChoiceConflict | undefined, targetNpcId?: number): ChoiceView {
  const id = `ch_${contentHash(JSON.stringify([type, conflict?.id ?? null, conflict?.phase ?? null, targetNpcId ?? null]))}`;
  return {
    id,
    label,
    type,
    ...(targetNpcId !== undefined ? { targetNpcId } : {}),
    ...(conflict ? { conflictId: conflict.id } : {}),
  };
}

const LEADING_ROLES = ['instigator', 'escalator', 'opportunist'];
const SETTLING_ROLES = ['defender', 'mediator', 'peacemaker', 'victim'];

/** Up to five choices per active conflict (two conflicts at most), plus listening for rumours. */
export function choicesFor(conflicts: readonly ChoiceConflict[]): ChoiceView[] {
  const choices: ChoiceView[] = [];
  for (const conflict of conflicts.slice(0, 2)) {
    const [first, second] = conflict.stakeholders;
    if (!first) continue;
    const agitator = conflict.stakeholders.find((s) => LEADING_ROLES.includes(s.role)) ?? first;
    const defender = conflict.stakeholders.find((s) => s !== agitator && SETTLING_ROLES.includes(s.role)) ?? second;
    choices.push(choice('confrontational', `Confront ${agitator.name} over ${conflict.title}`, conflict, agitator.npcId));
    if (defender) choices.push(choice('supportive', `Stand beside ${defender.name}`, conflict, defender.npcId));
    if (defender) {
      choices.push(choice('diplomatic', `Broker a truce between ${agitator.name} and ${defender.name}`, conflict));
    }
    choices.push(choice('escalating', `Stoke the quarrel over ${conflict.title}`, conflict));
    choices.push(choice('investigate', `Ask around about ${agitator.name}`, conflict, agitator.npcId));
  }
  choices.push(choice('observe', 'Keep your counsel and watch', undefined));
  return choices;
}

const OUTCOME_LINES: Record<string, (choice: ChoiceView, target: string) => string> = {
  confrontational: (_c, target) => `You confront ${target}. Conversations stop; every eye turns to see what happens next.`,
  supportive: (_c, target) => `You stand beside ${target}, and make sure people see you do it.`,
  diplomatic: () => 'You call both sides to the table. Neither trusts you yet, but they come.',
  escalating: () => 'A word here, a rumour there — you fan the flames and step back to watch.',
  investigate: (_c, target) => `You buy a round and ask quiet questions about ${target}.`,
  observe: () => 'You keep your counsel, and watch who moves first.',
};

/** The immediate, rule-written answer to a choice; reactions follow from the slow path. */
export function outcomeText(choice: ChoiceView, targetName: string): string {
  return (OUTCOME_LINES[choice.type] ?? OUTCOME_LINES.observe!)(choice, targetName);
}
