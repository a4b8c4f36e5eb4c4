-- drizzle has no table comments in its schema DSL, so the table's COMMENT lives in this custom step.
COMMENT ON TABLE "planned_stakeholder_actions" IS 'Stakeholder actions and reactions precomputed by background workers (slow path) and claimed by the game loop (hot path): ready -> consumed, or expired/failed. Consumed and expired rows older than 24 h are deleted.';
