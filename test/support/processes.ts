import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: `nyx` commands run from here, as `npm run nyx` would. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A running `nyx <command>` child process, with its output kept for assertions and failure reports. */
export interface NyxProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far, interleaved. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects on timeout or early exit. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  /** Sends `signal` and waits up to `timeoutMs` for the exit; SIGKILLs and rejects if it does not come. */
  stop(signal: NodeJS.Signals, timeoutMs: number): Promise<number | string>;
}

const running = new Set<ChildProcess>();
// A crashed or interrupted test run must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `node --import tsx src/cli/main.ts ...args` with exactly `env` (plus PATH and HOME); with
 * `viaBin`, `node bin/nyx.mjs ...args` as `npx nyx` would, so `child` is the wrapper.
 */
export function spawnNyx(name: string, args: string[], env: Record<string, string>, options: { viaBin?: boolean } = {}): NyxProcess {
  const command = options.viaBin ? ['bin/nyx.mjs'] : ['--import', 'tsx', 'src/cli/main.ts'];
  const child = spawn(process.execPath, [...command, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);

  let closed = false;
  const exited = new Promise<number | string>((resolve) => {
    // 'close', not 'exit': by then stdout and stderr are drained, so output() is complete.
    child.once('close', (code, signal) => {
      closed = true;
      running.delete(child);
      resolve(code ?? signal ?? 'unknown');
      for (const listener of listeners) listener();
    });
  });
  const hasExited = () => closed;

  return {
    name,
    child,
    output: () => output,
    exited,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) return finish(() => resolve(match));
          if (hasExited()) {
            finish(() =>
              reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${output}`)),
            );
          }
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${output}`))),
          timeoutMs,
        );
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal, timeoutMs) {
      if (hasExited()) return exited;
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const result = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (result !== 'timeout') return result;
      child.kill('SIGKILL');
      await exited;
      throw new Error(`${name} did not exit within ${timeoutMs} ms of ${signal}; killed it:\n${output}`);
    },
  };
}

/** Polls `read` until `done` holds, or throws naming `what` once `timeoutMs` has passed. */
export async function pollUntil<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await read();
      if (done(value)) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline)
      throw new Error(`${what}: not reached within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
