/** One problem in a scenario file. `path` is where inside the document (`npcs[2].socialRole`), empty for the file as a whole. */
export interface ScenarioIssue {
  path: string;
  line?: number;
  column?: number;
  message: string;
}

/**
 * `unreadable`: the file could not be read at all (missing, a directory, no permission);
 * `invalid`: it was read and is not a valid scenario. The CLI exits differently for the two.
 */
export type ScenarioErrorReason = 'unreadable' | 'invalid';

/** Every problem found in one scenario file, in file order. */
export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly issues: ScenarioIssue[],
    readonly reason: ScenarioErrorReason = 'invalid',
  ) {
    super(formatIssues(file, issues));
    this.name = 'ScenarioError';
  }
}

/** One line per issue, compiler style (`file:line:col path: message`), so editors can jump to it. */
export function formatScenarioError(error: ScenarioError): string {
  return formatIssues(error.file, error.issues);
}

function formatIssues(file: string, issues: ScenarioIssue[]): string {
  return issues
    .map((issue) => {
      const where = issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`;
      return issue.path === '' ? `${where}: ${issue.message}` : `${where} ${issue.path}: ${issue.message}`;
    })
    .join('\n');
}
