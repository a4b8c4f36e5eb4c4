import { createWriteStream, mkdirSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A TypeScript entry point run as its own Node process (the distributed benchmark's server,
 * worker and floor), started once it prints the line `ready` matches.
 */
export interface RunningChild {
  /** The first match of `ready` in its stdout. */
  readonly match: RegExpExecArray;
  stop(): Promise<void>;
}

/**
 * Node flags for every child. With NYX_BENCH_CPU_PROF=<dir>, every child writes a V8 CPU profile
 * there when it exits (open it in Chrome DevTools, or summarise it with `npx tsx
 * scripts/cpu-profile-top.ts <file>`). NYX_BENCH_NODE_FLAGS adds flags of your own, space-separated
 * (a heap setting to compare, say; Node refuses some of them in NODE_OPTIONS, so they go here), and
 * keeps each child's output in `bench-output/child-<pid>.log`.
 */
const nodeFlags = process.env.NYX_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
const childFlags = [
  ...(process.env.NYX_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.NYX_BENCH_CPU_PROF}`] : []),
  ...nodeFlags,
];

/**
 * How long a child may take to stop after SIGTERM before it is killed. A server stops in up to ~16 s
 * with a backlog of running jobs; a killed one writes no CPU profile, so with NYX_BENCH_CPU_PROF it
 * gets that long and more.
 */
const STOP_GRACE_MS = process.env.NYX_BENCH_CPU_PROF ? 30_000 : 5_000;

/** Where each child's output goes while NYX_BENCH_NODE_FLAGS is set: `child-<pid>.log`, relative to the working directory. */
const CHILD_LOG_DIR = 'bench-output';

/** PGlite alone can take over a minute to start when the shared cores are busy. */
const READY_TIMEOUT_MS = 180_000;

export async function startChild(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  { cwd = process.cwd(), timeoutMs = READY_TIMEOUT_MS } = {},
): Promise<RunningChild> {
  const child = spawn(process.execPath, [...childFlags, '--import', 'tsx', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')}: ${error.message}\n${output.slice(-2000)}`));
    };
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const found = ready.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => fail(new Error(`exited with ${code}`)));
  });
  child.stdout!.removeAllListeners('data');
  if (nodeFlags.length > 0) {
    // What the flags make Node print (--trace-gc, say) is kept: the rest of a child's output is not read.
    mkdirSync(CHILD_LOG_DIR, { recursive: true });
    const log = createWriteStream(`${CHILD_LOG_DIR}/child-${child.pid}.log`);
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
  }
  child.stdout!.resume();
  child.stderr!.resume();
  return { match, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
