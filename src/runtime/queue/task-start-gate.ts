import type { Redis } from 'ioredis';

/**
 * Decides per task kind whether a job may start now. Both queues keep all task kinds in one
 * priority order, so a kind's rate limit or 429 hold-back cannot be a property of the queue: a
 * job whose kind is held back goes back as delayed while the other kinds keep flowing.
 */
export interface TaskStartGate {
  /** 0 when `taskName` may start now (and the start is counted), otherwise how long to wait. */
  tryStart(taskName: string, rateLimit: { max: number; durationMs: number } | undefined): Promise<number>;
  /** No job of `taskName` starts for `ms` (a provider said 429, retry after `ms`). */
  holdBack(taskName: string, ms: number): Promise<void>;
}

/** Sliding window of recent starts plus a hold-back deadline, per task kind, in this process. */
export class MemoryTaskStartGate implements TaskStartGate {
  private readonly heldUntil = new Map<string, number>();
  private readonly starts = new Map<string, number[]>();

  async tryStart(taskName: string, rateLimit: { max: number; durationMs: number } | undefined): Promise<number> {
    const now = Date.now();
    const held = (this.heldUntil.get(taskName) ?? 0) - now;
    if (held > 0) return held;
    if (!rateLimit) return 0;
    const recent = (this.starts.get(taskName) ?? []).filter((at) => at > now - rateLimit.durationMs);
    this.starts.set(taskName, recent);
    const oldest = recent[0];
    if (oldest !== undefined && recent.length >= rateLimit.max) return Math.max(1, oldest + rateLimit.durationMs - now);
    recent.push(now);
    return 0;
  }

  async holdBack(taskName: string, ms: number): Promise<void> {
    this.heldUntil.set(taskName, Math.max(this.heldUntil.get(taskName) ?? 0, Date.now() + ms));
  }
}

// KEYS: hold key, starts sorted set. ARGV: now, max (0 = no limit), durationMs, a unique member.
// Atomic so that workers in several processes never start more than `max` per window together.
const TRY_START = `
local held = redis.call('PTTL', KEYS[1])
if held > 0 then return held end
local max = tonumber(ARGV[2])
if max == 0 then return 0 end
local now = tonumber(ARGV[1])
local duration = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - duration)
if redis.call('ZCARD', KEYS[2]) >= max then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + duration - now)
end
redis.call('ZADD', KEYS[2], now, ARGV[4])
redis.call('PEXPIRE', KEYS[2], duration)
return 0
`;

// Never shortens a longer hold-back already in place.
const HOLD_BACK = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
`;

/** The same gate shared by every worker process, in Redis. */
export class RedisTaskStartGate implements TaskStartGate {
  private sequence = 0;

  /** `keyFor(kind, taskName)` places the gate's keys next to the queue's own. */
  constructor(
    private readonly redis: Redis,
    private readonly keyFor: (kind: 'hold' | 'starts', taskName: string) => string,
  ) {}

  async tryStart(taskName: string, rateLimit: { max: number; durationMs: number } | undefined): Promise<number> {
    const member = `${Date.now()}:${process.pid}:${++this.sequence}:${Math.random()}`;
    const wait = await this.redis.eval(
      TRY_START,
      2,
      this.keyFor('hold', taskName),
      this.keyFor('starts', taskName),
      Date.now(),
      rateLimit?.max ?? 0,
      rateLimit?.durationMs ?? 0,
      member,
    );
    return Number(wait);
  }

  async holdBack(taskName: string, ms: number): Promise<void> {
    if (ms <= 0) return;
    await this.redis.eval(HOLD_BACK, 1, this.keyFor('hold', taskName), Math.ceil(ms));
  }
}
