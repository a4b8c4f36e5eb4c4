/** A problem with how the guard was invoked or configured: exit code 2, one line naming it. */
export class GuardUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuardUsageError';
  }
}
