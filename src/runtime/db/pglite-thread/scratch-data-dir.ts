import { type Dirent, mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'nyx-pglite-';
/** A scratch folder's name: the prefix, the pid of the process that made it, a random tail. */
const FOLDER_NAME = new RegExp(`^${PREFIX}(\\d+)-`);
/** Linux's shared-memory file system: files in RAM, made and grown without touching a disk. */
const SHARED_MEMORY = '/dev/shm';
/** Less free than this (a container's 64 MB default, say) and the scratch folder goes to the temporary directory. */
const SHARED_MEMORY_MIN_FREE_BYTES = 1024 ** 3;

/**
 * Where an in-memory database (`NYX_DATA_DIR=:memory:`) keeps its files while it is open: a folder
 * of its own, removed on close, in `/dev/shm` (memory, as the name promises) when it has 1 GiB
 * free, else under the temporary directory.
 *
 * Not PGlite's own in-memory file system: it grows a file by copying it whole into a buffer an
 * eighth larger, so once a table passes a few tens of MB a statement that extends it stalls the
 * database thread for 40–300 ms, and every player statement queued behind it waits as long. Real
 * files grow in place (`npx tsx bench/pglite-file-growth.ts` measures both). Not on a disk either
 * when it can be helped: a new cluster is about 1,000 files, and making them on the fifth
 * machine's ext4 took `npm test` from 257 s (in `/dev/shm`, `593d5da`) to 331 s (under `/tmp`,
 * `205e033`).
 *
 * A process killed before it closed its database leaves its folder behind: the next one to open an
 * in-memory database removes the folders of processes that are gone.
 */
export class ScratchDataDir {
  private constructor(readonly path: string) {}

  /** @param root where the folder is made (default: {@link ScratchDataDir.defaultRoot}) */
  static create(root = ScratchDataDir.defaultRoot()): ScratchDataDir {
    removeAbandoned(root);
    return new ScratchDataDir(mkdtempSync(join(root, `${PREFIX}${process.pid}-`)));
  }

  /**
   * `/dev/shm` when it has 1 GiB free, else the system's temporary directory (`TMPDIR`).
   * @param sharedMemory the memory-backed folder to prefer (default `/dev/shm`)
   * @param minFreeBytes what it must have free to be used (default 1 GiB)
   */
  static defaultRoot(sharedMemory = SHARED_MEMORY, minFreeBytes = SHARED_MEMORY_MIN_FREE_BYTES): string {
    try {
      const { bavail, bsize } = statfsSync(sharedMemory);
      if (bavail * bsize >= minFreeBytes) return sharedMemory;
    } catch {
      // Not Linux, or no /dev/shm.
    }
    return tmpdir();
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/**
 * Removes the folders under `root` whose process no longer runs. `/dev/shm` is shared with other
 * programs (PostgreSQL keeps its shared memory there, as files): only folders named by this module
 * are candidates.
 */
function removeAbandoned(root: string): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const pid = Number(FOLDER_NAME.exec(entry.name)?.[1]);
    if (pid > 0 && !isRunning(pid)) rmSync(join(root, entry.name), { recursive: true, force: true });
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
