import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisWorkMeter, redisWorkOf, redisWorkPer } from '../../bench/lib/redis-work-meter.js';
import { describeWithServices, redisUrl, uniquePrefix } from '../support/services.js';

describe("the Redis work meter's reading of INFO", () => {
  it("sums every command's calls and the main process's CPU, not its children's or a thread's twice", () => {
    const info = [
      '# CPU',
      'used_cpu_sys:3.5',
      'used_cpu_user:5.25',
      'used_cpu_sys_children:100.000000',
      'used_cpu_user_children:100.000000',
      'used_cpu_sys_main_thread:3.4',
      'used_cpu_user_main_thread:5.2',
      '',
      '# Commandstats',
      'cmdstat_get:calls=70335,usec=158407,usec_per_call=2.25,rejected_calls=0,failed_calls=1',
      'cmdstat_evalsha:calls=11946,usec=1307973,usec_per_call=109.49,rejected_calls=7,failed_calls=2',
    ].join('\r\n');
    expect(redisWorkOf(info)).toEqual({ commands: 82_281, cpuSeconds: 8.75 });
  });
});

describe("the Redis work meter's rates", () => {
  it('divides the commands and the CPU, in ms, between two readings by a count', () => {
    expect(redisWorkPer({ commands: 100, cpuSeconds: 1.5 }, { commands: 1_100, cpuSeconds: 1.75 }, 50)).toEqual({ commands: 20, cpuMs: 5 });
  });
});

describeWithServices('the Redis work meter, on real Redis', ['redis'], () => {
  it("counts every client's commands, each command a Lua script runs, and Redis's CPU", async () => {
    const meter = new RedisWorkMeter(redisUrl!);
    const other = new Redis(redisUrl!);
    const key = `${uniquePrefix('commands')}k`;
    try {
      const before = await meter.read();
      for (let i = 0; i < 5; i++) await other.set(key, String(i));
      await other.eval("redis.call('INCR', KEYS[1]); redis.call('INCR', KEYS[1]); return redis.call('DEL', KEYS[1])", 1, key);
      const after = await meter.read();
      // 5 SETs, the EVAL and its 3 calls, and the meter's own first INFO; other suites may add more.
      expect(after.commands - before.commands).toBeGreaterThanOrEqual(10);
      expect(before.cpuSeconds).toBeGreaterThan(0);
      expect(after.cpuSeconds).toBeGreaterThanOrEqual(before.cpuSeconds);
    } finally {
      other.disconnect();
      meter.close();
    }
  });
});
