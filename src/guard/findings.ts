/** Positions are 1-based; files are posix paths relative to the project root. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** One step of a chain: where it happens and what it does there. */
export interface Hop extends SourceLocation {
  step: string;
}

/**
 * `import`: dependency-cruiser proved the hot module's dependency graph reaches a sink module.
 * `call`: the call graph from one of its operations reaches a call into a sink.
 * `blocking`: it reaches a call that makes the player wait whatever it calls: outbound HTTP
 * (`fetch`, `http(s).request`), a wait for a queue job, a synchronous child process, `Atomics.wait`.
 * `unresolved`: it reaches a module load the analysis cannot follow (`import()` of a computed
 * path, `require`, `createRequire`), so nothing behind it is proven.
 */
export type FindingKind = 'import' | 'call' | 'blocking' | 'unresolved';

export interface Finding {
  kind: FindingKind;
  /** The hot-path module, and except for `import` findings the operation the chain starts from. */
  entry: { file: string; operation?: string };
  /** The sink that was reached and the configured pattern that makes it one; for `blocking` and `unresolved`, the call itself and what it is. */
  sink: SourceLocation & { name: string; pattern: string };
  /** From the entry to the last hop before the sink; the last hop is the import or call into it. */
  chain: Hop[];
}

export interface HotPathOperation {
  name: string;
  line: number;
}

export interface HotPathModule {
  file: string;
  operations: HotPathOperation[];
}

export interface GuardReport {
  configSource: string;
  hotPath: string[];
  sinks: string[];
  modules: HotPathModule[];
  findings: Finding[];
}

export const FIX_ADVICE = [
  'dispatch a task by name (src/conflict/tasks) and let its worker make the model call',
  'read the result the worker wrote to the cache or database',
  'until it is there, answer with a rule fallback (rules.ts) instead of waiting',
] as const;

export function describeFinding(finding: Finding): string {
  const { entry, sink } = finding;
  if (finding.kind === 'import') {
    return `${entry.file} reaches sink module ${sink.file} (${sink.pattern}) through ${finding.chain.length} import(s)`;
  }
  const reaches = `${entry.operation}() in ${entry.file} reaches ${sink.name} at ${sink.file}:${sink.line}`;
  const steps = `in ${finding.chain.length - 1} step(s)`;
  if (finding.kind === 'blocking') return `${reaches}, which blocks (${sink.pattern}), ${steps}`;
  if (finding.kind === 'unresolved') return `${reaches}, a module load the guard cannot follow (${sink.pattern}), ${steps}`;
  return `${reaches}, a sink (${sink.pattern}), ${steps}`;
}
