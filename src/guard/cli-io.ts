import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GuardUsageError } from './errors.js';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  cwd: string;
}

export const processIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });

/** Strict option parsing: an unknown flag or a stray argument is a usage error, not a guess. */
export function parseCliOptions<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>>['values'] {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new GuardUsageError(`nyx ${command}: ${(error as Error).message}`);
  }
}

/** Usage and configuration problems become exit code 2 with one line on stderr. */
export async function withUsageErrors(command: string, io: CliIo, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof GuardUsageError ? error.message : `nyx ${command}: ${(error as Error).message}`;
    io.stderr.write(`${message.split('\n')[0]}\n`);
    return 2;
  }
}
