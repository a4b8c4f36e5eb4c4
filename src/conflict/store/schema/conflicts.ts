import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, real, serial, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { gameIdColumn } from './game-column.js';
import { npcs } from './npcs.js';
import type { BeatType, DecisionStyle, PacingStyle, Phase, StakeholderRole, TransitionType } from '../../domain/index.js';

export const conflicts = pgTable(
  'conflicts',
  {
    id: serial('id').primaryKey(),
    gameId: gameIdColumn(),
    type: text('type').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    status: text('status', { enum: ['active', 'resolved'] })
      .notNull()
      .default('active'),
    resolution: jsonb('resolution').$type<Record<string, unknown>>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [index('idx_conflicts_game').on(t.gameId), check('conflicts_status_check', sql`${t.status} IN ('active', 'resolved')`)],
);

/** An NPC's part in one conflict. */
export const stakeholders = pgTable(
  'stakeholders',
  {
    id: serial('id').primaryKey(),
    gameId: gameIdColumn(),
    conflictId: integer('conflict_id')
      .notNull()
      .references(() => conflicts.id, { onDelete: 'cascade' }),
    npcId: integer('npc_id')
      .notNull()
      .references(() => npcs.id, { onDelete: 'cascade' }),
    role: text('role').$type<StakeholderRole>().notNull().default('bystander'),
    decisionStyle: text('decision_style').$type<DecisionStyle>().notNull().default('reactive'),
    stress: real('stress').notNull().default(0.3),
    commitment: real('commitment').notNull().default(0.5),
    /** Enriched details; null until the slow path fills them in. */
    profile: jsonb('profile').$type<Record<string, unknown>>(),
  },
  (t) => [index('idx_stakeholders_game').on(t.gameId), unique('uq_stakeholders_conflict_npc').on(t.conflictId, t.npcId)],
);

/** The live flow state of a conflict. */
export const conflictFlows = pgTable(
  'conflict_flows',
  {
    conflictId: integer('conflict_id')
      .primaryKey()
      .references(() => conflicts.id, { onDelete: 'cascade' }),
    gameId: gameIdColumn(),
    phase: text('phase').$type<Phase>().notNull().default('emerging'),
    pacing: text('pacing').$type<PacingStyle>().notNull().default('steady'),
    intensity: real('intensity').notNull().default(0.3),
    momentum: real('momentum').notNull().default(0.2),
    phaseProgress: real('phase_progress').notNull().default(0),
    lastBeatType: text('last_beat_type').$type<BeatType>(),
    lastBeatAt: timestamp('last_beat_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('idx_conflict_flows_game').on(t.gameId)],
);

export const phaseTransitions = pgTable(
  'phase_transitions',
  {
    id: serial('id').primaryKey(),
    gameId: gameIdColumn(),
    conflictId: integer('conflict_id')
      .notNull()
      .references(() => conflicts.id, { onDelete: 'cascade' }),
    /** Null for the conflict's first phase. */
    fromPhase: text('from_phase').$type<Phase>(),
    toPhase: text('to_phase').$type<Phase>().notNull(),
    transitionType: text('transition_type').$type<TransitionType>().notNull(),
    trigger: text('trigger'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('idx_phase_transitions_game').on(t.gameId), index('idx_phase_transitions_conflict').on(t.conflictId)],
);

export const dramaticBeats = pgTable(
  'dramatic_beats',
  {
    /** `{conflictId}_{epoch}`: stable, so the beat's prose can be cached under it. */
    id: text('id').primaryKey(),
    gameId: gameIdColumn(),
    conflictId: integer('conflict_id')
      .notNull()
      .references(() => conflicts.id, { onDelete: 'cascade' }),
    beatType: text('beat_type').$type<BeatType>().notNull(),
    impact: real('impact').notNull().default(0.2),
    source: text('source', { enum: ['rule', 'generated'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('idx_dramatic_beats_game').on(t.gameId), index('idx_dramatic_beats_conflict').on(t.conflictId)],
);
