CREATE TABLE "games" (
	"id" text PRIMARY KEY NOT NULL,
	"scenario_id" text NOT NULL,
	"seed" integer NOT NULL,
	"token_hash" text NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	"degraded" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "npcs" (
	"id" serial PRIMARY KEY NOT NULL,
	"game_id" text NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"traits" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"social_role" text,
	"location" text,
	"gossip_tendency" real DEFAULT 0.5 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_npcs_game_key" UNIQUE("game_id","key")
);
--> statement-breakpoint
CREATE TABLE "conflict_flows" (
	"conflict_id" integer PRIMARY KEY NOT NULL,
	"game_id" text NOT NULL,
	"phase" text DEFAULT 'emerging' NOT NULL,
	"pacing" text DEFAULT 'steady' NOT NULL,
	"intensity" real DEFAULT 0.3 NOT NULL,
	"momentum" real DEFAULT 0.2 NOT NULL,
	"phase_progress" real DEFAULT 0 NOT NULL,
	"last_beat_type" text,
	"last_beat_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conflicts" (
	"id" serial PRIMARY KEY NOT NULL,
	"game_id" text NOT NULL,
	"type" text NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"status" text DEFAULT 'active' NOT NULL,
	"resolution" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "conflicts_status_check" CHECK ("conflicts"."status" IN ('active', 'resolved'))
);
--> statement-breakpoint
CREATE TABLE "dramatic_beats" (
	"id" text PRIMARY KEY NOT NULL,
	"game_id" text NOT NULL,
	"conflict_id" integer NOT NULL,
	"beat_type" text NOT NULL,
	"impact" real DEFAULT 0.2 NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "phase_transitions" (
	"id" serial PRIMARY KEY NOT NULL,
	"game_id" text NOT NULL,
	"conflict_id" integer NOT NULL,
	"from_phase" text,
	"to_phase" text NOT NULL,
	"transition_type" text NOT NULL,
	"trigger" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stakeholders" (
	"id" serial PRIMARY KEY NOT NULL,
	"game_id" text NOT NULL,
	"conflict_id" integer NOT NULL,
	"npc_id" integer NOT NULL,
	"role" text DEFAULT 'bystander' NOT NULL,
	"decision_style" text DEFAULT 'reactive' NOT NULL,
	"stress" real DEFAULT 0.3 NOT NULL,
	"commitment" real DEFAULT 0.5 NOT NULL,
	"profile" jsonb,
	CONSTRAINT "uq_stakeholders_conflict_npc" UNIQUE("conflict_id","npc_id")
);
--> statement-breakpoint
CREATE TABLE "reputation_scores" (
	"game_id" text NOT NULL,
	"npc_id" integer NOT NULL,
	"type" text NOT NULL,
	"score" real NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reputation_scores_npc_id_type_pk" PRIMARY KEY("npc_id","type")
);
--> statement-breakpoint
CREATE TABLE "social_alliances" (
	"id" serial PRIMARY KEY NOT NULL,
	"game_id" text NOT NULL,
	"party1_id" integer NOT NULL,
	"party2_id" integer NOT NULL,
	"alliance_type" text NOT NULL,
	"terms" jsonb,
	"is_secret" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "canon_events" (
	"event_id" bigserial PRIMARY KEY NOT NULL,
	"game_id" text NOT NULL,
	"request_id" uuid NOT NULL,
	"payload" jsonb NOT NULL,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_canon_events_request_id" UNIQUE("request_id")
);
--> statement-breakpoint
CREATE TABLE "canon_records" (
	"canon_id" serial PRIMARY KEY NOT NULL,
	"game_id" text NOT NULL,
	"conflict_id" integer NOT NULL,
	"event_type" text NOT NULL,
	"name" text NOT NULL,
	"canon_text" text,
	"significance_score" real NOT NULL,
	"cultural_impact" text,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "content_items" (
	"id" text PRIMARY KEY NOT NULL,
	"game_id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"origin" text NOT NULL,
	"text" text,
	"fallback_text" text,
	"subject" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"state_version" bigint,
	"context_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "content_items_status_check" CHECK ("content_items"."status" IN ('ready', 'generating', 'failed')),
	CONSTRAINT "content_items_origin_check" CHECK ("content_items"."origin" IN ('generated', 'fallback'))
);
--> statement-breakpoint
CREATE TABLE "planned_stakeholder_actions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"game_id" text NOT NULL,
	"stakeholder_id" integer NOT NULL,
	"scene_id" integer,
	"scene_hash" text,
	"conflict_id" integer,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'ready' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"available_at" timestamp with time zone DEFAULT now() NOT NULL,
	"consumed_at" timestamp with time zone,
	"priority" integer DEFAULT 5 NOT NULL,
	"context_hash" text,
	"expires_at" timestamp with time zone,
	"state_version" bigint,
	"error" text,
	CONSTRAINT "planned_stakeholder_actions_kind_check" CHECK ("planned_stakeholder_actions"."kind" IN ('action', 'reaction', 'decision', 'role_adaptation')),
	CONSTRAINT "planned_stakeholder_actions_status_check" CHECK ("planned_stakeholder_actions"."status" IN ('ready', 'consumed', 'expired', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "npcs" ADD CONSTRAINT "npcs_game_id_games_id_fk" FOREIGN KEY ("game_id") REFERENCES "public"."games"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conflict_flows" ADD CONSTRAINT "conflict_flows_conflict_id_conflicts_id_fk" FOREIGN KEY ("conflict_id") REFERENCES "public"."conflicts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conflict_flows" ADD CONSTRAINT "conflict_flows_game_id_games_id_fk" FOREIGN KEY ("game_id") REFERENCES "public"."games"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conflicts" ADD CONSTRAINT "conflicts_game_id_games_id_fk" FOREIGN KEY ("game_id") REFERENCES "public"."games"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dramatic_beats" ADD CONSTRAINT "dramatic_beats_game_id_games_id_fk" FOREIGN KEY ("game_id") REFERENCES "public"."games"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dramatic_beats" ADD CONSTRAINT "dramatic_beats_conflict_id_conflicts_id_fk" FOREIGN KEY ("conflict_id") REFERENCES "public"."conflicts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phase_transitions" ADD CONSTRAINT "phase_transitions_game_id_games_id_fk" FOREIGN KEY ("game_id") REFERENCES "public"."games"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phase_transitions" ADD CONSTRAINT "phase_transitions_conflict_id_conflicts_id_fk" FOREIGN KEY ("conflict_id") REFERENCES "public"."conflicts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stakeholders" ADD CONSTRAINT "stakeholders_game_id_games_id_fk" FOREIGN KEY ("game_id") REFERENCES "public"."games"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stakeholders" ADD CONSTRAINT "stakeholders_conflict_id_conflicts_id_fk" FOREIGN KEY ("conflict_id") REFERENCES "public"."conflicts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stakeholders" ADD CONSTRAINT "stakeholders_npc_id_npcs_id_fk" FOREIGN KEY ("npc_id") REFERENCES "public"."npcs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reputation_scores" ADD CONSTRAINT "reputation_scores_game_id_games_id_fk" FOREIGN KEY ("game_id") REFERENCES "public"."games"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reputation_scores" ADD CONSTRAINT "reputation_scores_npc_id_npcs_id_fk" FOREIGN KEY ("npc_id") REFERENCES "public"."npcs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "social_alliances" ADD CONSTRAINT "social_alliances_game_id_games_id_fk" FOREIGN KEY ("game_id") REFERENCES "public"."games"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "social_alliances" ADD CONSTRAINT "social_alliances_party1_id_npcs_id_fk" FOREIGN KEY ("party1_id") REFERENCES "public"."npcs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "social_alliances" ADD CONSTRAINT "social_alliances_party2_id_npcs_id_fk" FOREIGN KEY ("party2_id") REFERENCES "public"."npcs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "canon_events" ADD CONSTRAINT "canon_events_game_id_games_id_fk" FOREIGN KEY ("game_id") REFERENCES "public"."games"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "canon_records" ADD CONSTRAINT "canon_records_game_id_games_id_fk" FOREIGN KEY ("game_id") REFERENCES "public"."games"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "canon_records" ADD CONSTRAINT "canon_records_conflict_id_conflicts_id_fk" FOREIGN KEY ("conflict_id") REFERENCES "public"."conflicts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "content_items" ADD CONSTRAINT "content_items_game_id_games_id_fk" FOREIGN KEY ("game_id") REFERENCES "public"."games"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "planned_stakeholder_actions" ADD CONSTRAINT "planned_stakeholder_actions_game_id_games_id_fk" FOREIGN KEY ("game_id") REFERENCES "public"."games"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "planned_stakeholder_actions" ADD CONSTRAINT "fk_stakeholder" FOREIGN KEY ("stakeholder_id") REFERENCES "public"."stakeholders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_npcs_game" ON "npcs" USING btree ("game_id");--> statement-breakpoint
CREATE INDEX "idx_conflict_flows_game" ON "conflict_flows" USING btree ("game_id");--> statement-breakpoint
CREATE INDEX "idx_conflicts_game" ON "conflicts" USING btree ("game_id");--> statement-breakpoint
CREATE INDEX "idx_dramatic_beats_game" ON "dramatic_beats" USING btree ("game_id");--> statement-breakpoint
CREATE INDEX "idx_dramatic_beats_conflict" ON "dramatic_beats" USING btree ("conflict_id");--> statement-breakpoint
CREATE INDEX "idx_phase_transitions_game" ON "phase_transitions" USING btree ("game_id");--> statement-breakpoint
CREATE INDEX "idx_phase_transitions_conflict" ON "phase_transitions" USING btree ("conflict_id");--> statement-breakpoint
CREATE INDEX "idx_stakeholders_game" ON "stakeholders" USING btree ("game_id");--> statement-breakpoint
CREATE INDEX "idx_reputation_scores_game" ON "reputation_scores" USING btree ("game_id");--> statement-breakpoint
CREATE INDEX "idx_social_alliances_game" ON "social_alliances" USING btree ("game_id");--> statement-breakpoint
CREATE INDEX "idx_canon_events_game" ON "canon_events" USING btree ("game_id");--> statement-breakpoint
CREATE INDEX "idx_canon_records_game" ON "canon_records" USING btree ("game_id");--> statement-breakpoint
CREATE INDEX "idx_canon_records_conflict" ON "canon_records" USING btree ("conflict_id");--> statement-breakpoint
CREATE INDEX "idx_content_items_game_created" ON "content_items" USING btree ("game_id","created_at");--> statement-breakpoint
CREATE INDEX "idx_planned_actions_stakeholder_status" ON "planned_stakeholder_actions" USING btree ("stakeholder_id","status","available_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_planned_actions_scene_ready" ON "planned_stakeholder_actions" USING btree ("scene_hash","status") WHERE status = 'ready';--> statement-breakpoint
CREATE INDEX "idx_planned_actions_conflict_ready" ON "planned_stakeholder_actions" USING btree ("conflict_id","status","priority" DESC NULLS FIRST) WHERE status = 'ready';--> statement-breakpoint
CREATE INDEX "idx_planned_actions_context_hash" ON "planned_stakeholder_actions" USING btree ("context_hash") WHERE status = 'ready';--> statement-breakpoint
CREATE INDEX "idx_planned_actions_expired" ON "planned_stakeholder_actions" USING btree ("created_at") WHERE status IN ('consumed', 'expired');--> statement-breakpoint
CREATE INDEX "idx_planned_actions_game" ON "planned_stakeholder_actions" USING btree ("game_id","status","priority" DESC NULLS FIRST,"available_at");