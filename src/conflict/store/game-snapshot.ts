import type { contentItems, dramaticBeats, phaseTransitions } from './schema/index.js';
import type { BeatType, ConflictFlow, DecisionStyle, Phase, Stakeholder, StakeholderRole, TransitionType } from '../domain/index.js';
import type { ReputationScores, ReputationType } from '../domain/social.js';
import type { ContentRow } from '../engine/content-feed.js';

/**
 * One game as a request sees it: loaded once, changed in memory by the handlers, then saved by
 * `GameStore.saveSnapshot` with everything it changed in one statement, and the version bumped once.
 */

export interface GameRecord {
  id: string;
  scenarioId: string;
  seed: number;
  tokenHash: string;
  version: number;
  entitiesVersion: number;
}

export interface NpcRecord {
  id: number;
  key: string;
  name: string;
  description: string;
  traits: string[];
  socialRole: string;
  location: string | null;
  gossipTendency: number;
}

export interface ConflictRecord {
  id: number;
  type: string;
  title: string;
  description: string;
  status: 'active' | 'resolved';
  resolution: Record<string, unknown> | null;
  createdAt: number;
}

export interface StakeholderRecord extends Stakeholder {
  profile: Record<string, unknown> | null;
}

export interface StoredSnapshot {
  entitiesVersion: number;
  plannedActionsSeen: number;
  autonomyRequestedAt: Record<number, number>;
  /** Absent from a snapshot cached before rule lines rotated: they start over. */
  ruleLinesTaken?: Record<string, number>;
  /** Absent from a snapshot cached before turns were counted. */
  turn?: number;
  npcs: NpcRecord[];
  conflicts: ConflictRecord[];
  stakeholders: StakeholderRecord[];
  flows: ConflictFlow[];
  reputations: Array<[number, ReputationScores]>;
}

type NewTransitionRow = Omit<typeof phaseTransitions.$inferInsert, 'id' | 'createdAt'>;
type NewBeatRow = Omit<typeof dramaticBeats.$inferInsert, 'createdAt'>;

/**
 * Rows a request adds, held until the request commits: a request writes all it changed in one
 * statement, or nothing at all when another writer got there first.
 */
interface StagedRows {
  conflicts: ConflictRecord[];
  resolved: Set<number>;
  stakeholders: StakeholderRecord[];
  transitions: NewTransitionRow[];
  beats: NewBeatRow[];
  content: ContentRow[];
  consumedPlans: number[];
}

const noStagedRows = (): StagedRows => ({
  conflicts: [],
  resolved: new Set(),
  stakeholders: [],
  transitions: [],
  beats: [],
  content: [],
  consumedPlans: [],
});

export class GameSnapshot {
  private staged = noStagedRows();
  private readonly changedStakeholders = new Set<number>();
  private readonly changedFlows = new Set<number>();
  private readonly changedReputations = new Map<string, { npcId: number; type: ReputationType; score: number }>();
  private changes = 0;
  /** True until the snapshot cache holds this snapshot as it is now. */
  private uncached = true;
  /**
   * The planned-actions counter (cacheKeys.plannedActionsLabel) as of the last claim that emptied
   * the queue of ready moves: while the counter has not moved there is nothing new to claim.
   */
  private plannedSeen = -1;
  /** Stakeholder id → when its last autonomous decision was requested (epoch ms). */
  private autonomyAt: Record<number, number> = {};
  /** Feed kind → how many rule lines of that kind the game has shown (kept in the snapshot cache only). */
  private ruleLines: Record<string, number> = {};
  /** The player's choices so far (kept in the snapshot cache only): what is written ahead is written for one turn. */
  private turns = 0;

  constructor(
    readonly game: GameRecord,
    readonly npcs: Map<number, NpcRecord>,
    readonly conflicts: Map<number, ConflictRecord>,
    readonly stakeholders: Map<number, StakeholderRecord>,
    readonly flows: Map<number, ConflictFlow>,
    readonly reputations: Map<number, ReputationScores>,
  ) {}

  get version(): number {
    return this.game.version;
  }

  activeConflicts(): ConflictRecord[] {
    return [...this.conflicts.values()].filter((c) => c.status === 'active');
  }

  stakeholdersOf(conflictId: number): StakeholderRecord[] {
    return [...this.stakeholders.values()].filter((s) => s.conflictId === conflictId);
  }

  /** Stakeholders of active conflicts: the NPCs whose behaviour the scene shows. */
  activeStakeholders(): StakeholderRecord[] {
    return [...this.stakeholders.values()].filter((s) => this.conflicts.get(s.conflictId)?.status === 'active');
  }

  npc(id: number): NpcRecord | undefined {
    return this.npcs.get(id);
  }

  npcName(id: number | undefined): string {
    return (id !== undefined && this.npcs.get(id)?.name) || 'someone';
  }

  updateStakeholder(id: number, patch: Partial<Pick<StakeholderRecord, 'role' | 'stress' | 'commitment'>>): void {
    const current = this.stakeholders.get(id);
    if (!current) return;
    this.stakeholders.set(id, { ...current, ...patch });
    this.changedStakeholders.add(id);
    this.changed();
  }

  updateFlow(conflictId: number, next: ConflictFlow): void {
    this.flows.set(conflictId, next);
    this.changedFlows.add(conflictId);
    this.changed();
  }

  setReputation(npcId: number, type: ReputationType, score: number): void {
    const scores = { ...(this.reputations.get(npcId) ?? {}), [type]: score };
    this.reputations.set(npcId, scores);
    this.changedReputations.set(`${npcId}:${type}`, { npcId, type, score });
    this.changed();
  }

  /** A new conflict (its id allocated by `GameStore.allocateIds`), written when the request commits. */
  addConflict(conflict: ConflictRecord): void {
    this.conflicts.set(conflict.id, conflict);
    this.staged.conflicts.push(conflict);
    this.changed();
  }

  resolveConflict(conflictId: number, resolution: Record<string, unknown>): void {
    const conflict = this.conflicts.get(conflictId);
    if (!conflict) return;
    this.conflicts.set(conflictId, { ...conflict, status: 'resolved', resolution });
    this.staged.resolved.add(conflictId);
    this.changed();
  }

  /** New stakeholders (ids allocated by `GameStore.allocateIds`), written when the request commits. */
  addStakeholders(created: StakeholderRecord[]): void {
    for (const stakeholder of created) {
      this.stakeholders.set(stakeholder.id, stakeholder);
      this.staged.stakeholders.push(stakeholder);
    }
    this.changed();
  }

  recordTransition(
    conflictId: number,
    transition: { fromPhase: Phase | null; toPhase: Phase; transitionType: TransitionType; trigger: string },
  ): void {
    this.staged.transitions.push({ gameId: this.game.id, conflictId, ...transition });
    this.changed();
  }

  recordBeat(beat: { id: string; conflictId: number; beatType: BeatType; impact: number; source: 'rule' | 'generated' }): void {
    this.staged.beats.push({ gameId: this.game.id, ...beat });
    this.changed();
  }

  /** A feed item, inserted when the request commits. */
  addContent(row: ContentRow): void {
    this.staged.content.push(row);
    this.changed();
  }

  /** Planned moves this request applies: consumed when it commits, so no other request applies them too. */
  consumePlanned(ids: number[]): void {
    if (ids.length === 0) return;
    this.staged.consumedPlans.push(...ids);
    this.changed();
  }

  /** Counts a change with no row of its own, so the version still moves. */
  markChanged(): void {
    this.changed();
  }

  /** Feed items this request adds (none once saved). */
  get addedContent(): readonly ContentRow[] {
    return this.staged.content;
  }

  get hasChanges(): boolean {
    return this.changes > 0;
  }

  get plannedActionsSeen(): number {
    return this.plannedSeen;
  }

  sawPlannedActions(counter: number): void {
    if (counter === this.plannedSeen) return;
    this.plannedSeen = counter;
    this.uncached = true;
  }

  autonomyRequestedAt(stakeholderId: number): number | undefined {
    return this.autonomyAt[stakeholderId];
  }

  requestedAutonomy(stakeholderId: number, at: number): void {
    this.autonomyAt[stakeholderId] = at;
    this.uncached = true;
  }

  get turn(): number {
    return this.turns;
  }

  /** The player made a choice: what was written ahead for the turn before no longer applies. */
  nextTurn(): void {
    this.turns++;
    this.uncached = true;
  }

  /** How many rule lines of `kind` the game showed before this one, counting this one as shown. */
  takeRuleLine(kind: string): number {
    const taken = this.ruleLines[kind] ?? 0;
    this.ruleLines[kind] = taken + 1;
    this.uncached = true;
    return taken;
  }

  /** Whether the snapshot cache is behind this snapshot (a fresh load, or anything changed since). */
  get needsCaching(): boolean {
    return this.uncached;
  }

  markCached(): void {
    this.uncached = false;
  }

  private changed(): void {
    this.changes++;
    this.uncached = true;
  }

  pendingWrites() {
    const added = new Set(this.staged.stakeholders.map((s) => s.id));
    return {
      ...this.staged,
      // A stakeholder added by this request is inserted as it stands now; only older ones are updated.
      stakeholders: this.staged.stakeholders.map((s) => this.stakeholders.get(s.id)!),
      changedStakeholders: [...this.changedStakeholders].filter((id) => !added.has(id)).map((id) => this.stakeholders.get(id)!),
      resolved: [...this.staged.resolved].map((id) => ({ id, resolution: this.conflicts.get(id)!.resolution ?? {} })),
      flows: [...this.changedFlows].map((id) => this.flows.get(id)!),
      reputations: [...this.changedReputations.values()],
    };
  }

  /** Plain data for the snapshot cache; `fromStored` turns it back into a snapshot. */
  toStored(): StoredSnapshot {
    return {
      entitiesVersion: this.game.entitiesVersion,
      plannedActionsSeen: this.plannedSeen,
      autonomyRequestedAt: this.autonomyAt,
      ruleLinesTaken: this.ruleLines,
      turn: this.turns,
      npcs: [...this.npcs.values()],
      conflicts: [...this.conflicts.values()],
      stakeholders: [...this.stakeholders.values()],
      flows: [...this.flows.values()],
      reputations: [...this.reputations.entries()],
    };
  }

  static fromStored(game: GameRecord, stored: StoredSnapshot): GameSnapshot {
    const snapshot = new GameSnapshot(
      game,
      new Map(stored.npcs.map((npc) => [npc.id, npc])),
      new Map(stored.conflicts.map((conflict) => [conflict.id, conflict])),
      new Map(stored.stakeholders.map((stakeholder) => [stakeholder.id, stakeholder])),
      new Map(stored.flows.map((flow) => [flow.conflictId, flow])),
      new Map(stored.reputations),
    );
    snapshot.plannedSeen = stored.plannedActionsSeen;
    snapshot.autonomyAt = stored.autonomyRequestedAt;
    snapshot.ruleLines = { ...stored.ruleLinesTaken };
    snapshot.turns = stored.turn ?? 0;
    snapshot.uncached = false;
    return snapshot;
  }

  clearChanges(): void {
    this.staged = noStagedRows();
    this.changedStakeholders.clear();
    this.changedFlows.clear();
    this.changedReputations.clear();
    this.changes = 0;
  }
}
