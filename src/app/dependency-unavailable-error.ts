/** The URL without its password, fit for a log line. */
function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** A service named by the configuration cannot be reached; its message is one line for the operator. */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly variable: 'REDIS_URL' | 'DATABASE_URL',
    url: string,
    readonly reason: string,
  ) {
    super(`${variable}: cannot reach ${redacted(url)} (${reason}); start it or fix ${variable}`);
    this.name = 'DependencyUnavailableError';
  }
}
