#!/usr/bin/env node
// Runs the built CLI. A source checkout without `dist/` (before `npm run build`) runs the
// TypeScript through tsx instead, which is a dev dependency and therefore only there.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const args = existsSync(built) ? [built] : ['--import', 'tsx', fileURLToPath(new URL('../src/cli/main.ts', import.meta.url))];
const child = spawn(process.execPath, [...args, ...process.argv.slice(2)], { stdio: 'inherit' });

// The wrapper is what a process manager sees: its signals are meant for the server, and the server
// must never outlive it. (A terminal's Ctrl+C reaches both; the server takes the echo for one signal.)
const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP'];
for (const signal of FORWARDED) process.on(signal, () => child.kill(signal));

child.on('error', (error) => {
  console.error(`nyx: cannot start ${process.execPath}: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (code !== null) process.exit(code);
  // Ended by a signal: end the same way, so the caller sees what the server saw.
  for (const forwarded of FORWARDED) process.removeAllListeners(forwarded);
  process.kill(process.pid, signal ?? 'SIGTERM');
});
