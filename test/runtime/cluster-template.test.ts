import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTemplateFile, openCluster } from '../../src/runtime/db/pglite-thread/cluster-template.mjs';

/** Whether `client` has a table named `name`. */
async function hasTable(client: PGlite, name: string): Promise<boolean> {
  const { rows } = await client.query<{ found: boolean }>('select to_regclass($1) is not null as found', [name]);
  return rows[0]!.found;
}

describe('a new embedded cluster starts from its template', () => {
  let dir: string;
  let template: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nyx-template-'));
    template = join(dir, 'cache', 'pglite.tar');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('makes the first cluster by initdb and saves it as the template', async () => {
    const client = await openCluster(undefined, {}, template);
    expect((await stat(template)).size).toBeGreaterThan(1_000_000);
    expect(await readdir(join(dir, 'cache')), 'no partial copy left').toEqual(['pglite.tar']);
    // From here on the template holds a marker table: a cluster that has it came from the template.
    await client.exec('create table from_template (id int)');
    await writeFile(template, new Uint8Array(await (await client.dumpDataDir('none')).arrayBuffer()));
    await client.close();
  }, 60_000);

  it('loads an in-memory cluster from the template', async () => {
    const client = await openCluster(undefined, {}, template);
    expect(await hasTable(client, 'from_template')).toBe(true);
    await client.close();
  });

  it('loads an empty data folder from the template and keeps it there', async () => {
    const dataDir = join(dir, 'empty');
    const client = await openCluster(dataDir, {}, template);
    await client.exec('create table kept (id int)');
    await client.close();
    const reopened = await openCluster(dataDir, {}, template);
    expect([await hasTable(reopened, 'from_template'), await hasTable(reopened, 'kept')]).toEqual([true, true]);
    await reopened.close();
  });

  it('opens an existing data folder as it is, without reading the template', async () => {
    const dataDir = join(dir, 'existing');
    const made = await openCluster(dataDir, {}, template);
    await made.exec('create table own (id int)');
    await made.close();
    // Read as a template, this file would fail to load and be replaced by a fresh cluster's copy.
    const unread = join(dir, 'unread.tar');
    await writeFile(unread, 'never read');
    const reopened = await openCluster(dataDir, {}, unread);
    expect(await hasTable(reopened, 'own')).toBe(true);
    await reopened.close();
    expect(await readFile(unread, 'utf8')).toBe('never read');
  });

  it('replaces a template cut short: the cluster is made by initdb in the folder it half filled', async () => {
    const cut = join(dir, 'cut.tar');
    const whole = await readFile(template);
    await writeFile(cut, whole.subarray(0, whole.length / 2));
    const dataDir = join(dir, 'after-cut');
    const client = await openCluster(dataDir, {}, cut);
    expect(await hasTable(client, 'from_template')).toBe(false);
    await client.exec('create table kept (id int)');
    await client.close();
    expect((await stat(cut)).size).toBeGreaterThan(whole.length / 2);
    const reopened = await openCluster(dataDir, {}, cut);
    expect(await hasTable(reopened, 'kept')).toBe(true);
    await reopened.close();
  }, 60_000);

  it('keeps the template per PGlite version under XDG_CACHE_HOME', () => {
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = '/cache-home';
    try {
      expect(defaultTemplateFile()).toMatch(/^\/cache-home\/nyx\/pglite-\d+\.\d+\.\d+\.tar$/);
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
  });
});
