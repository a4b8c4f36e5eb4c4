import { defineConfig } from 'drizzle-kit';

// One schema and one migrations folder for both backends (PGlite embedded, PostgreSQL distributed).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/conflict/store/schema/index.ts',
  out: './src/runtime/db/migrations',
});
