import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'nyx-pglite-';

/**
 * Where an in-memory database (`NYX_DATA_DIR=:memory:`) keeps its files while it is open: a folder
 * of its own under the system's temporary directory, removed on close. PGlite's own in-memory file
 * system grows a file by copying it whole into a buffer an eighth larger; past a few tens of MB a
 * statement that extends a table stalls the database thread for 40–300 ms, and every player
 * statement queued behind it waits as long. On real files the operating system grows them in
 * place (`npx tsx bench/pglite-file-growth.ts` measures both).
 *
 * A process killed before it closed its database leaves its folder behind: the next one to open an
 * in-memory database removes the folders of processes that are gone.
 */
export class ScratchDataDir {
  private constructor(readonly path: string) {}

  /** @param root where the folder is made (default: the system's temporary directory) */
  static create(root = tmpdir()): ScratchDataDir {
    removeAbandoned(root);
    return new ScratchDataDir(mkdtempSync(join(root, `${PREFIX}${process.pid}-`)));
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Removes the folders under `root` whose process no longer runs. */
function removeAbandoned(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^nyx-pglite-(\d+)-/.exec(name)?.[1]);
    if (pid > 0 && !isRunning(pid)) rmSync(join(root, name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
