import { Redis } from 'ioredis';

/** What a Redis server has done since it started. */
export interface RedisWork {
  /** Commands run, from `INFO commandstats`: every client's, and each command a Lua script runs. */
  commands: number;
  /** CPU seconds its process spent (user and system), from `INFO cpu`. */
  cpuSeconds: number;
}

/** What a target with no Redis (embedded) reports. */
export const NO_REDIS_WORK: RedisWork = { commands: 0, cpuSeconds: 0 };

/** The work in the text of `INFO cpu commandstats`: the main process's CPU, its children's (a save's fork) not counted. */
export function redisWorkOf(info: string): RedisWork {
  const sum = (pattern: RegExp) => [...info.matchAll(pattern)].reduce((total, [, value]) => total + Number(value), 0);
  return { commands: sum(/cmdstat_[^:]+:calls=(\d+)/g), cpuSeconds: sum(/used_cpu_(?:sys|user):([\d.]+)/g) };
}

/** What Redis did between two readings, per `count` of something (a request, a second): commands, and CPU in ms. */
export function redisWorkPer(before: RedisWork, after: RedisWork, count: number): { commands: number; cpuMs: number } {
  return { commands: (after.commands - before.commands) / count, cpuMs: ((after.cpuSeconds - before.cpuSeconds) * 1000) / count };
}

/**
 * Reads what a Redis server has done, whichever process asked it (web, worker, BullMQ's blocking
 * waits), so a difference over a run is what the run cost Redis.
 */
export class RedisWorkMeter {
  private readonly redis: Redis;

  constructor(url: string) {
    this.redis = new Redis(url);
  }

  async read(): Promise<RedisWork> {
    return redisWorkOf((await this.redis.call('INFO', 'cpu', 'commandstats')) as string);
  }

  close(): void {
    this.redis.disconnect();
  }
}
