import type { PlannedMove } from '../../domain/stakeholder.js';
import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, foreignKey, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { stakeholders } from './conflicts.js';
import { gameIdColumn } from './game-column.js';

export const plannedActionKinds = ['action', 'reaction', 'decision', 'role_adaptation'] as const;
export type PlannedActionKind = (typeof plannedActionKinds)[number];

/** ready → consumed when claimed; ready → expired past `expires_at`; failed when generation gave up. */
export const plannedActionStatuses = ['ready', 'consumed', 'expired', 'failed'] as const;
export type PlannedActionStatus = (typeof plannedActionStatuses)[number];

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

/**
 * Stakeholder actions and reactions precomputed by the slow path, claimed by the hot path.
 * The seed's migration 012, column for column and index for index, except that `fk_stakeholder`
 * points at `stakeholders(id)` (the seed's `NPCs` table never existed) and `kind` admits
 * `role_adaptation`. Nyx adds `game_id`, `expires_at`, `state_version` and `error`.
 */
export const plannedStakeholderActions = pgTable(
  'planned_stakeholder_actions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    gameId: gameIdColumn(),
    stakeholderId: integer('stakeholder_id').notNull(),
    sceneId: integer('scene_id'),
    sceneHash: text('scene_hash'),
    conflictId: integer('conflict_id'),
    kind: text('kind', { enum: plannedActionKinds }).notNull(),
    /** The move (its type follows `kind`, see PlannedMove); empty on a failed generation's record. */
    payload: jsonb('payload').$type<PlannedMove['payload'] | Record<string, never>>().notNull(),
    status: text('status', { enum: plannedActionStatuses }).notNull().default('ready'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    availableAt: timestamp('available_at', { withTimezone: true }).notNull().defaultNow(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
    /** Higher is served first. */
    priority: integer('priority').notNull().default(5),
    contextHash: text('context_hash'),
    /** The job that planned it: unique, so a redelivered job plans nothing twice. */
    sourceKey: text('source_key'),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** The game version the action was planned against. */
    stateVersion: bigint('state_version', { mode: 'number' }),
    error: text('error'),
  },
  (t) => [
    foreignKey({ name: 'fk_stakeholder', columns: [t.stakeholderId], foreignColumns: [stakeholders.id] }).onDelete('cascade'),
    check('planned_stakeholder_actions_kind_check', sql`${t.kind} IN (${inList(plannedActionKinds)})`),
    check('planned_stakeholder_actions_status_check', sql`${t.status} IN (${inList(plannedActionStatuses)})`),
    index('idx_planned_actions_stakeholder_status').on(t.stakeholderId, t.status, t.availableAt.desc().nullsFirst()),
    index('idx_planned_actions_scene_ready').on(t.sceneHash, t.status).where(sql`status = 'ready'`),
    index('idx_planned_actions_conflict_ready').on(t.conflictId, t.status, t.priority.desc().nullsFirst()).where(sql`status = 'ready'`),
    index('idx_planned_actions_context_hash').on(t.contextHash).where(sql`status = 'ready'`),
    index('idx_planned_actions_expired').on(t.createdAt).where(sql`status IN ('consumed', 'expired')`),
    // Serves the claim: a game's ready rows in serving order.
    index('idx_planned_actions_game').on(t.gameId, t.status, t.priority.desc().nullsFirst(), t.availableAt),
    uniqueIndex('uq_planned_actions_source_key').on(t.sourceKey),
  ],
);
