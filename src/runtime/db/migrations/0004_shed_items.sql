CREATE INDEX "idx_content_items_shed" ON "content_items" USING btree ("created_at") WHERE status = 'failed' and task is not null;--> statement-breakpoint
-- Items that failed before this release kept their task; only shed items keep it from now on.
UPDATE "content_items" SET "task" = NULL WHERE "status" = 'failed';
