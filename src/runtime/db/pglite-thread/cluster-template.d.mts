import type { PGlite, PGliteOptions } from '@electric-sql/pglite';

/** Types for cluster-template.mjs (plain JavaScript, loaded by the database thread without a TypeScript loader). */
export declare function openCluster(dataDir: string | undefined, options: PGliteOptions, templateFile?: string): Promise<PGlite>;
export declare function defaultTemplateFile(): string | undefined;
