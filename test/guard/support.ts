import path from 'node:path';
import type { CliIo } from '../../src/guard/cli-io.js';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const guardFixture = path.join(repoRoot, 'test/fixtures/guard-project');

/** Runs a CLI entry with captured output, the way the `nyx` command would. */
export async function runCaptured(
  cli: (argv: string[], io: CliIo) => Promise<number>,
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd: repoRoot,
  };
  const code = await cli(argv, io);
  return { code, stdout, stderr };
}
