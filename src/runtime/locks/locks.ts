/**
 * Non-blocking locks: the stampede guard of the cache-first-with-lock pattern. RedisLocks uses
 * `SET key token PX ttl NX` with token-checked Lua release/extend; MemoryLocks is a Map.
 */
export const DEFAULT_LOCK_TTL_MS = 15_000;

export interface LockHandle {
  readonly name: string;
  readonly token: string;
  /** Releases the lock if this handle still owns it. False when it expired or was taken over. */
  release(): Promise<boolean>;
  /** Extends the lock's TTL if this handle still owns it. */
  extend(ttlMs: number): Promise<boolean>;
}

/** The typed "someone else holds it" answer of `tryLock` (also returned when the backend is down). */
export interface LockBusy {
  readonly busy: true;
  readonly name: string;
  readonly reason: 'held' | 'backend-error';
}

export interface Locks {
  tryLock(name: string, ttlMs?: number): Promise<LockHandle | LockBusy>;
  close(): Promise<void>;
}

export function isLockBusy(result: LockHandle | LockBusy): result is LockBusy {
  return 'busy' in result && result.busy === true;
}
