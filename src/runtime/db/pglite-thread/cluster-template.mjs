// @ts-check
/**
 * A new embedded database starts from a copy of a fresh cluster instead of running PGlite's initdb
 * again: initdb costs about 4 s of CPU on every start of an in-memory database (each test, each
 * bench run, each `NYX_DATA_DIR=:memory:` server). `npx tsx bench/embedded-open.ts` measures both:
 * opening and migrating took a median 4.7 s by initdb, 1.9 s from the copy.
 *
 * The copy is PGlite's own dump of a cluster just out of initdb, taken the first time one is made
 * and kept per PGlite version in the user's cache directory: `$XDG_CACHE_HOME/nyx` (default
 * `~/.cache/nyx`), file `pglite-<version>.tar` (about 40 MB). It holds no game data. A copy that
 * cannot be loaded is replaced by the cluster made the slow way; a cache that cannot be written only
 * costs the next start its initdb.
 *
 * Plain JavaScript, like the thread body that uses it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

/**
 * Opens PGlite on `dataDir` (in memory when undefined). A new cluster (in memory, or an empty
 * folder) is loaded from the template at `templateFile` when there is one, and saved there when
 * there is not; an existing one is opened as it is.
 *
 * @param {string | undefined} dataDir
 * @param {import('@electric-sql/pglite').PGliteOptions} options
 * @param {string | undefined} [templateFile] default: {@link defaultTemplateFile}; undefined keeps none
 */
export async function openCluster(dataDir, options, templateFile = defaultTemplateFile()) {
  if (templateFile === undefined || !isNewCluster(dataDir)) return PGlite.create({ ...options, dataDir });
  const template = readTemplate(templateFile);
  if (template) {
    try {
      return await PGlite.create({ ...options, dataDir, loadDataDir: template });
    } catch {
      // A damaged copy (a file cut short by a full disk): initdb makes the cluster over whatever it
      // left in the folder, and its copy replaces the damaged one.
    }
  }
  const client = await PGlite.create({ ...options, dataDir });
  await saveTemplate(client, templateFile).catch(() => {});
  return client;
}

/**
 * `$XDG_CACHE_HOME/nyx/pglite-<version>.tar`, `~/.cache` standing in for an unset XDG_CACHE_HOME;
 * undefined when PGlite's version cannot be read (a copy must never outlive the initdb that made it).
 */
export function defaultTemplateFile() {
  const version = pgliteVersion();
  if (version === undefined) return undefined;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nyx', `pglite-${version}.tar`);
}

/** @param {string | undefined} dataDir */
function isNewCluster(dataDir) {
  return dataDir === undefined || !existsSync(dataDir) || readdirSync(dataDir).length === 0;
}

/** @param {string} file */
function readTemplate(file) {
  try {
    return new Blob([readFileSync(file)]);
  } catch {
    return undefined;
  }
}

/**
 * Written beside its final name, then renamed: a process starting meanwhile reads the whole copy or none.
 * @param {PGlite} client
 * @param {string} file
 */
async function saveTemplate(client, file) {
  const dump = await client.dumpDataDir('none');
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.${Date.now()}.partial`;
  try {
    writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()));
    renameSync(partial, file);
  } finally {
    rmSync(partial, { force: true });
  }
}

/** @returns {string | undefined} the installed PGlite's version */
function pgliteVersion() {
  // The package exports no package.json: find it above the entry point.
  for (let dir = dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite'))); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const { name, version } = JSON.parse(readFileSync(manifest, 'utf8'));
    if (name === '@electric-sql/pglite') return version;
  }
  return undefined;
}
