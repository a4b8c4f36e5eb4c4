import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/runtime/db/database.js';
import { ScratchDataDir } from '../../src/runtime/db/pglite-thread/scratch-data-dir.js';

/** A process that has ended: its pid runs nothing now. */
function pidOfEndedProcess(): number {
  const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(ended.stdout);
}

describe('an in-memory database keeps its files in a scratch folder', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nyx-scratch-test-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('of its own while open, gone once closed; its commits are not flushed', async () => {
    const scratchRoot = ScratchDataDir.defaultRoot();
    const ours = () => readdirSync(scratchRoot).filter((name) => name.startsWith(`nyx-pglite-${process.pid}-`));
    const before = ours();
    const db = await openDatabase({ inMemory: true });
    try {
      const made = ours().filter((name) => !before.includes(name));
      expect(made).toHaveLength(1);
      expect(readdirSync(join(scratchRoot, made[0]!))).toContain('PG_VERSION');
      const { rows } = await db.query<{ synchronous_commit: string }>(sql`show synchronous_commit`);
      expect(rows[0]!.synchronous_commit).toBe('off');
    } finally {
      await db.close();
    }
    expect(ours()).toEqual(before);
  });
  it('a database in a folder of its own flushes every commit', async () => {
    const db = await openDatabase({ dataDir: join(root, 'kept') });
    try {
      const { rows } = await db.query<{ synchronous_commit: string }>(sql`show synchronous_commit`);
      expect(rows[0]!.synchronous_commit).toBe('on');
    } finally {
      await db.close();
    }
  });

  it('removes the folders of processes that are gone, and only those', () => {
    const abandoned = join(root, `nyx-pglite-${pidOfEndedProcess()}-abc123`);
    const running = join(root, `nyx-pglite-${process.ppid}-def456`);
    const unrelated = join(root, 'nyx-pglite-notes');
    const notOurs = join(root, `old-nyx-pglite-${pidOfEndedProcess()}-ghi789`);
    for (const folder of [abandoned, running, unrelated, notOurs]) mkdirSync(join(folder, 'base'), { recursive: true });
    // A file by the same pattern (another program's, in a shared /dev/shm) is never touched.
    const file = join(root, `nyx-pglite-${pidOfEndedProcess()}-file`);
    writeFileSync(file, 'not a folder');

    const scratch = ScratchDataDir.create(root);
    try {
      expect(existsSync(abandoned)).toBe(false);
      expect(existsSync(running)).toBe(true);
      expect(existsSync(unrelated)).toBe(true);
      expect(existsSync(notOurs)).toBe(true);
      expect(existsSync(file)).toBe(true);
      expect(existsSync(scratch.path)).toBe(true);
    } finally {
      scratch.remove();
    }
    expect(existsSync(scratch.path)).toBe(false);
    // Removing it again (a close after a failed open) is not an error.
    expect(() => scratch.remove()).not.toThrow();
  });

  it('goes to the memory-backed folder only when it has the room asked for, else to the temporary directory', () => {
    const { bavail, bsize } = statfsSync(root);
    const free = bavail * bsize;
    expect(ScratchDataDir.defaultRoot(root, Math.max(1, free - 1024 ** 2))).toBe(root);
    expect(ScratchDataDir.defaultRoot(root, free + 1024 ** 3)).toBe(tmpdir());
    expect(ScratchDataDir.defaultRoot(join(root, 'missing'), 0)).toBe(tmpdir());
  });

  it('fails with the file system error under a folder that does not exist', () => {
    expect(() => ScratchDataDir.create(join(root, 'missing'))).toThrow(/ENOENT/);
  });
});
