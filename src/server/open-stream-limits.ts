import { createHash } from 'node:crypto';

export interface OpenStreamLimitsOptions {
  /** Streams one game token may hold open on this process. */
  perToken: number;
  /** Streams one address may hold open on this process (players behind one NAT share it). */
  perIp: number;
}

/**
 * Caps the live-update streams open at once per game token and per address. Streams are exempt
 * from the request rate limit (a browser holds one for the whole game), so without a cap one
 * caller could hold thousands of sockets and hub subscriptions. Counted per process: a stream
 * lives on one process, and each process protects its own sockets.
 */
export class OpenStreamLimits {
  private readonly open = new Map<string, number>();

  constructor(private readonly options: OpenStreamLimitsOptions) {}

  /** Counts a new stream; returns its release, or undefined when the token or address is at its cap. */
  admit(token: string, ip: string): (() => void) | undefined {
    const tokenKey = `token:${createHash('sha256').update(token).digest('hex')}`;
    const ipKey = `ip:${ip}`;
    if (this.count(tokenKey) >= this.options.perToken || this.count(ipKey) >= this.options.perIp) return undefined;
    this.add(tokenKey, 1);
    this.add(ipKey, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.add(tokenKey, -1);
      this.add(ipKey, -1);
    };
  }

  private count(key: string): number {
    return this.open.get(key) ?? 0;
  }

  private add(key: string, delta: number): void {
    const next = this.count(key) + delta;
    if (next > 0) this.open.set(key, next);
    else this.open.delete(key);
  }
}
