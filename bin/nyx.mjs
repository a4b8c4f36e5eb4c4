#!/usr/bin/env node
// Runs the built CLI. A source checkout without `dist/` (before `npm run build`) runs the
// TypeScript through tsx instead, which is a dev dependency and therefore only there.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const args = existsSync(built) ? [built] : ['--import', 'tsx', fileURLToPath(new URL('../src/cli/main.ts', import.meta.url))];
const result = spawnSync(process.execPath, [...args, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
