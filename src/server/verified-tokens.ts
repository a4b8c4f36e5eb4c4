import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** Enough for every game played on one process within the TTL; older entries simply verify again. */
const MAX_ENTRIES = 100_000;
const TTL_MS = 60 * 60_000;

/**
 * The game tokens this process has seen open their game (or issued itself), so the rate limiter,
 * which runs before authorisation, can tell a player's token from a made-up one. Entries are
 * hashes of (game, token): a token proven for one game says nothing about another, and no
 * credential is kept in the clear. A token not (yet) known here is limited by address.
 */
export class VerifiedTokens {
  private readonly entries = new LRUCache<string, true>({ max: MAX_ENTRIES, ttl: TTL_MS });

  add(gameId: string, token: string): void {
    this.entries.set(VerifiedTokens.entry(gameId, token), true);
  }

  has(gameId: string, token: string): boolean {
    return this.entries.has(VerifiedTokens.entry(gameId, token));
  }

  private static entry(gameId: string, token: string): string {
    return createHash('sha256').update(`${gameId}\n${token}`).digest('hex');
  }
}
