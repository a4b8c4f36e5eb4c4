import { contentHash } from '../domain/hash.js';
import type { ChoiceType } from '../domain/choice.js';
import type { Phase } from '../domain/flow.js';
import type { ScenarioChoice } from '../scenarios/schema.js';
import type { ChoiceView } from './game-state.js';

/**
 * The player's options, derived by rule from the conflicts on stage, where each one is in its
 * course and who in it is near breaking, plus the choices the scenario declares for its own
 * conflicts. A choice's id is a hash of what it does and the phase it was offered in, so it stays
 * valid while the situation it answers stands, and a request naming one from an earlier situation
 * is recognisably stale (409), not unknown (400).
 */

export interface ChoiceConflict {
  id: number;
  title: string;
  phase: string;
  stakeholders: Array<{ npcId: number; name: string; role: string; stress?: number }>;
  /** The choices the scenario declares for this conflict (none for one the player started). */
  scripted?: readonly ScenarioChoice[];
}

/** A choice as offered, with the scenario's own outcome line when it wrote one. */
export type OfferedChoice = ChoiceView & { outcome?: string };

const CHOICE_ID = /^ch_[0-9a-f]{16}$/;

export function isWellFormedChoiceId(id: string): boolean {
  return CHOICE_ID.test(id);
}

function choice(type: ChoiceType, label: string, conflict: ChoiceConflict | undefined, targetNpcId?: number): OfferedChoice {
  const id = `ch_${contentHash(JSON.stringify([type, label, conflict?.id ?? null, conflict?.phase ?? null, targetNpcId ?? null]))}`;
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
/** From this stress a stakeholder is close to breaking (it breaks at 0.9), and calming them is on offer. */
const NEAR_BREAKING = 0.75;

const EARLY: readonly string[] = ['seeds', 'emerging'];
const OPEN: readonly string[] = ['rising', 'confrontation'];

/** The rule-derived choices for one conflict, worded for where it is in its course. */
function situationChoices(conflict: ChoiceConflict): OfferedChoice[] {
  const [first, second] = conflict.stakeholders;
  if (!first) return [];
  const agitator = conflict.stakeholders.find((s) => LEADING_ROLES.includes(s.role)) ?? first;
  const defender = conflict.stakeholders.find((s) => s !== agitator && SETTLING_ROLES.includes(s.role)) ?? second;
  const { title } = conflict;
  const choices: OfferedChoice[] = [];
  const breaking = conflict.stakeholders.filter((s) => (s.stress ?? 0) >= NEAR_BREAKING).slice(0, 1);
  for (const s of breaking) choices.push(choice('de-escalate', `Talk ${s.name} down before they break`, conflict, s.npcId));
  if (EARLY.includes(conflict.phase)) {
    choices.push(choice('investigate', `Ask around about ${agitator.name}`, conflict, agitator.npcId));
    if (defender) choices.push(choice('supportive', `Stand beside ${defender.name}`, conflict, defender.npcId));
    choices.push(choice('escalating', `Stoke the quarrel over ${title}`, conflict));
  } else if (OPEN.includes(conflict.phase)) {
    choices.push(choice('confrontational', `Confront ${agitator.name} over ${title}`, conflict, agitator.npcId));
    if (defender) choices.push(choice('supportive', `Stand beside ${defender.name}`, conflict, defender.npcId));
    if (defender) choices.push(choice('diplomatic', `Broker a truce between ${agitator.name} and ${defender.name}`, conflict));
    choices.push(choice('manipulative', `Play ${agitator.name} against the others`, conflict, agitator.npcId));
  } else if (conflict.phase === 'climax') {
    choices.push(choice('aggressive', `Force ${title} to a head`, conflict));
    if (defender) choices.push(choice('diplomatic', `Put a settlement to ${agitator.name} and ${defender.name}`, conflict));
    if (defender) choices.push(choice('defensive', `Shield ${defender.name} from what comes next`, conflict, defender.npcId));
  } else {
    // Falling, or past it: the quarrel is ending, and the choice is how it is remembered.
    if (defender) choices.push(choice('supportive', `Help ${agitator.name} and ${defender.name} put ${title} behind them`, conflict));
    choices.push(choice('escalating', `Reopen the wounds of ${title}`, conflict));
  }
  return choices;
}

/** The scenario's own choices for a conflict that fit its phase; a target outside the conflict's cast is dropped. */
function scriptedChoices(conflict: ChoiceConflict, npcIdByKey: ReadonlyMap<string, number>): OfferedChoice[] {
  return (conflict.scripted ?? [])
    .filter((scripted) => !scripted.phases || scripted.phases.includes(conflict.phase as Exclude<Phase, 'resolution' | 'aftermath'>))
    .map((scripted) => {
      const target = scripted.target === undefined ? undefined : npcIdByKey.get(scripted.target);
      const offered = choice(scripted.type, scripted.label, conflict, target);
      return scripted.outcome ? { ...offered, outcome: scripted.outcome } : offered;
    });
}

/**
 * The scenario's choices first, then the situation's, for the two hottest active conflicts, plus
 * keeping your counsel. `npcIdByKey` maps a scenario's npc ids to the game's.
 */
export function choicesFor(conflicts: readonly ChoiceConflict[], npcIdByKey: ReadonlyMap<string, number> = new Map()): OfferedChoice[] {
  const choices: OfferedChoice[] = [];
  for (const conflict of conflicts.slice(0, 2)) {
    const offered = [...scriptedChoices(conflict, npcIdByKey), ...situationChoices(conflict)];
    const ids = new Set<string>();
    for (const c of offered) if (!ids.has(c.id) && ids.add(c.id)) choices.push(c);
  }
  choices.push(choice('observe', 'Keep your counsel and watch', undefined));
  return choices;
}

/** A choice as the state shows it: the outcome line stays on the server until it is chosen. */
export function choiceView({ outcome: _outcome, ...view }: OfferedChoice): ChoiceView {
  return view;
}

const OUTCOME_LINES: Record<ChoiceType, (target: string) => string> = {
  aggressive: () => 'You force the matter into the open. There is no going back from here.',
  confrontational: (target) => `You confront ${target}. Conversations stop; every eye turns to see what happens next.`,
  escalating: () => 'A word here, a rumour there — you fan the flames and step back to watch.',
  diplomatic: () => 'You call both sides to the table. Neither trusts you yet, but they come.',
  supportive: (target) => `You stand beside ${target}, and make sure people see you do it.`,
  'de-escalate': (target) => `You take ${target} aside and talk low and slow until their shoulders drop.`,
  defensive: (target) => `You put yourself between ${target} and the worst of it.`,
  manipulative: (target) => `You let slip to ${target} what the others have been saying, and watch it take root.`,
  investigate: (target) => `You buy a round and ask quiet questions about ${target}.`,
  observe: () => 'You keep your counsel, and watch who moves first.',
};

/** The immediate, rule-written (or scenario-written) answer to a choice; reactions follow from the slow path. */
export function outcomeText(choice: OfferedChoice, targetName: string): string {
  if (choice.outcome) return choice.outcome;
  return (OUTCOME_LINES[choice.type as ChoiceType] ?? OUTCOME_LINES.observe)(targetName);
}
