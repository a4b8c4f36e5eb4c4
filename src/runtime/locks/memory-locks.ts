import { randomUUID } from 'node:crypto';
import { DEFAULT_LOCK_TTL_MS, type LockBusy, type LockHandle, type Locks } from './locks.js';

interface Holder {
  token: string;
  expiresAt: number;
}

/** Locks for one process: a Map of name → holder, where an expired holder counts as free. */
export class MemoryLocks implements Locks {
  private readonly holders = new Map<string, Holder>();

  async tryLock(name: string, ttlMs = DEFAULT_LOCK_TTL_MS): Promise<LockHandle | LockBusy> {
    if (this.holderOf(name)) return { busy: true, name, reason: 'held' };
    const token = randomUUID();
    this.holders.set(name, { token, expiresAt: Date.now() + ttlMs });
    return new MemoryLockHandle(this, name, token);
  }

  /** The live holder of `name`; an expired one is forgotten on the way. */
  holderOf(name: string): Holder | undefined {
    const holder = this.holders.get(name);
    if (holder && holder.expiresAt <= Date.now()) {
      this.holders.delete(name);
      return undefined;
    }
    return holder;
  }

  forget(name: string): void {
    this.holders.delete(name);
  }

  async close(): Promise<void> {
    this.holders.clear();
  }
}

class MemoryLockHandle implements LockHandle {
  constructor(
    private readonly locks: MemoryLocks,
    readonly name: string,
    readonly token: string,
  ) {}

  async release(): Promise<boolean> {
    if (this.locks.holderOf(this.name)?.token !== this.token) return false;
    this.locks.forget(this.name);
    return true;
  }

  async extend(ttlMs: number): Promise<boolean> {
    const holder = this.locks.holderOf(this.name);
    if (holder?.token !== this.token) return false;
    holder.expiresAt = Date.now() + ttlMs;
    return true;
  }
}
