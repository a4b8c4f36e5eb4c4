ALTER TABLE "content_items" ADD COLUMN "source_key" text;--> statement-breakpoint
ALTER TABLE "content_items" ADD COLUMN "task" jsonb;--> statement-breakpoint
ALTER TABLE "planned_stakeholder_actions" ADD COLUMN "source_key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_content_items_source_key" ON "content_items" USING btree ("source_key");--> statement-breakpoint
CREATE INDEX "idx_content_items_generating" ON "content_items" USING btree ("created_at") WHERE status = 'generating';--> statement-breakpoint
CREATE UNIQUE INDEX "uq_planned_actions_source_key" ON "planned_stakeholder_actions" USING btree ("source_key");