import { isEscalatingChoice } from '../domain/choice.js';
import type { Phase } from '../domain/flow.js';
import { contextHash } from '../domain/hash.js';
import { clampUnit } from '../domain/math.js';
import { TASK_PRIORITY } from '../domain/priorities.js';
import type { Random } from '../domain/random.js';
import type {
  DecisionStyle,
  SceneBehavior,
  Stakeholder,
  StakeholderDecision,
  StakeholderReaction,
  StakeholderRole,
} from '../domain/stakeholder.js';

/** Pure stakeholder rules: scene behaviour, who acts and reacts, stress, roles and fallbacks. */

type RoleAndStress = Pick<Stakeholder, 'role'> & { stress?: number };

/** A stakeholder whose stress was never recorded is taken to be moderately stressed. */
const UNKNOWN_STRESS = 0.5;

const ROLE_BEHAVIORS: Partial<Record<StakeholderRole, SceneBehavior>> = {
  mediator: 'diplomatic',
  peacemaker: 'diplomatic',
  instigator: 'provocative',
  escalator: 'provocative',
  defender: 'protective',
  opportunist: 'calculating',
};

/** How an NPC carries itself in a scene: stress overrides the role, first match wins. */
export function sceneBehavior(stakeholder: RoleAndStress): SceneBehavior {
  const stress = stakeholder.stress ?? UNKNOWN_STRESS;
  if (stress > 0.8) return 'agitated';
  if (stress > 0.6) return 'tense';
  return ROLE_BEHAVIORS[stakeholder.role] ?? 'observant';
}

/** Roles that act on every update and always have something to say. */
const DRIVING_ROLES: readonly StakeholderRole[] = ['instigator', 'mediator', 'escalator'];
const PASSIVE_ROLES: readonly StakeholderRole[] = ['bystander', 'victim'];

/** Whether to spend a model call planning this stakeholder's next action (first match wins). */
export function shouldDispatchActionGeneration(stakeholder: Pick<Stakeholder, 'role' | 'stress'>, random: Random): boolean {
  if (PASSIVE_ROLES.includes(stakeholder.role) && stakeholder.stress < 0.4) return false;
  if (stakeholder.stress > 0.6) return true;
  if (DRIVING_ROLES.includes(stakeholder.role)) return true;
  // A small sample of everyone else keeps quiet NPCs from never acting.
  return random() < 0.1;
}

/** Stressed stakeholders' plans are served first. */
export function actionPriority(stakeholder: Pick<Stakeholder, 'stress'>): number {
  return stakeholder.stress > 0.7 ? TASK_PRIORITY.highStressAction : TASK_PRIORITY.action;
}

export const REACTION_PRIORITY = TASK_PRIORITY.reaction;

const MAX_ACTORS_PER_UPDATE = 3;

/**
 * Who acts on CONFLICT_UPDATED: driving roles always, others with probability `commitment`,
 * at most 3. Driving roles are kept first when trimming, so a forced actor is never crowded out by
 * a lucky roll.
 */
export function selectActingStakeholders<S extends Stakeholder>(stakeholders: readonly S[], random: Random): S[] {
  const drivers = stakeholders.filter((s) => DRIVING_ROLES.includes(s.role));
  const volunteers = stakeholders.filter((s) => !DRIVING_ROLES.includes(s.role) && random() < s.commitment);
  return [...drivers, ...volunteers].slice(0, MAX_ACTORS_PER_UPDATE);
}

/** Who reacts to a player choice: the NPC it targets, mediators, instigators, else by commitment. */
export function selectReactors<S extends Stakeholder>(
  stakeholders: readonly S[],
  choice: { targetNpcId?: number | null },
  random: Random,
): S[] {
  return stakeholders.filter(
    (s) => s.npcId === choice.targetNpcId || s.role === 'mediator' || s.role === 'instigator' || random() < s.commitment,
  );
}

/** How much a player who talks one stakeholder down takes off their stress. */
export const TALKED_DOWN_RELIEF = 0.2;

/**
 * Hostile player choices stress every stakeholder; talking one stakeholder down
 * (a de-escalating choice aimed at them) eases theirs.
 */
export function stressAfterChoice(stress: number, choiceType: string, aimedAtThem = false): number {
  if (aimedAtThem && choiceType === 'de-escalate') return clampUnit(stress - TALKED_DOWN_RELIEF);
  return isEscalatingChoice(choiceType) ? clampUnit(stress + 0.1) : stress;
}

/** A tense scene (> 0.7) wears on everyone in it. */
export function stressAfterTension(stress: number, tensionScore: number): number {
  return tensionScore > 0.7 ? clampUnit(stress + 0.05) : stress;
}

export const BREAKING_POINT_STRESS = 0.9;
export const BREAKING_POINT_STRESS_RELIEF = 0.5;

export interface BreakingPointOutcome<S extends Stakeholder> {
  stakeholder: S;
  broke: boolean;
  /** How much stress the break released (0 when it did not break). */
  stressRelief: number;
}

/**
 * At stress ≥ 0.9 a stakeholder withdraws: commitment 0, role bystander, and its stress
 * drops by a `stress_relief` of 0.5; otherwise a broken stakeholder
 * stays at ≥ 0.9, breaks again on every event and keeps reading as "agitated".
 */
export function applyBreakingPoint<S extends Stakeholder>(stakeholder: S): BreakingPointOutcome<S> {
  if (stakeholder.stress < BREAKING_POINT_STRESS) return { stakeholder, broke: false, stressRelief: 0 };
  return {
    stakeholder: {
      ...stakeholder,
      commitment: 0,
      role: 'bystander',
      stress: clampUnit(stakeholder.stress - BREAKING_POINT_STRESS_RELIEF),
    },
    broke: true,
    stressRelief: BREAKING_POINT_STRESS_RELIEF,
  };
}

/** The chance a present stakeholder takes the initiative during STATE_SYNC. */
export function autonomyChance(stakeholder: Pick<Stakeholder, 'role' | 'stress'>): number {
  if (stakeholder.stress > 0.7) return 0.5;
  if (stakeholder.role === 'instigator' || stakeholder.role === 'escalator') return 0.4;
  return 0.2;
}

export function passesAutonomyRoll(stakeholder: Pick<Stakeholder, 'role' | 'stress'>, random: Random): boolean {
  return random() < autonomyChance(stakeholder);
}

/** When a stakeholder's role no longer fits the story: overwhelmed, idle at the climax, or still stoking a resolution. */
export function needsRoleAdaptation(stakeholder: Pick<Stakeholder, 'role' | 'stress'>, phase: Phase): boolean {
  return (
    stakeholder.stress > 0.8 ||
    (stakeholder.role === 'bystander' && phase === 'climax') ||
    (stakeholder.role === 'escalator' && phase === 'resolution')
  );
}

const ROLES_BY_CONFLICT_KIND: ReadonlyArray<[kind: string, roles: readonly StakeholderRole[]]> = [
  ['power', ['instigator', 'defender', 'opportunist']],
  ['social', ['mediator', 'bystander', 'escalator']],
];

/** A new stakeholder's role from the conflict type, matched as a lower-case substring. */
export function initialRole(conflictType: string, random: Random): StakeholderRole {
  const type = conflictType.toLowerCase();
  const roles = ROLES_BY_CONFLICT_KIND.find(([kind]) => type.includes(kind))?.[1];
  if (!roles) return 'bystander';
  return roles[Math.floor(random() * roles.length)] ?? 'bystander';
}

export const CREATION_DEFAULTS: {
  readonly role: StakeholderRole;
  readonly decisionStyle: DecisionStyle;
  readonly stress: number;
  readonly commitment: number;
} = { role: 'bystander', decisionStyle: 'reactive', stress: 0.3, commitment: 0.5 };

/** What a stakeholder does when no planned decision is ready. */
export const DECISION_FALLBACK: Readonly<StakeholderDecision> = {
  action_type: 'observant',
  description: 'Observes the situation',
  success_probability: 0.7,
};

/** What a stakeholder does when no planned reaction is ready: watch, unmoved. */
export const REACTION_FALLBACK: Readonly<StakeholderReaction> = {
  reaction_type: 'observe',
  emotional_response: 'neutral',
  relationship_impact: 0,
  stress_impact: 0,
};

/** A reaction's `stress_impact` is added to the reactor's stress. */
export function applyReaction<S extends Stakeholder>(stakeholder: S, reaction: Pick<StakeholderReaction, 'stress_impact'>): S {
  return { ...stakeholder, stress: clampUnit(stakeholder.stress + reaction.stress_impact) };
}

/**
 * What a stakeholder's planned decision was made for (a context hash over conflict,
 * stakeholder and phase). When it changes, a decision planned for the old context is stale.
 */
export function decisionContextHash(stakeholder: Pick<Stakeholder, 'id' | 'conflictId'>, phase: string): string {
  return contextHash({ conflict_id: stakeholder.conflictId, stakeholder_ids: [stakeholder.id], phase });
}

/**
 * Nyx's pacing of autonomy (without it the roll would run on every state sync): a stakeholder
 * asks for a new autonomous decision at most once per cooldown, so a player who polls often does
 * not make NPCs act — and the model write — more often.
 */
export const AUTONOMY_COOLDOWN_MS = 30_000;

export function autonomyRested(lastRequestedAt: number | undefined, now: number): boolean {
  return lastRequestedAt === undefined || now - lastRequestedAt >= AUTONOMY_COOLDOWN_MS;
}
