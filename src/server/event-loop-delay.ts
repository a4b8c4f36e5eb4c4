import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge } from 'prom-client';
import { registry } from '../observability/metrics.js';

/**
 * How long timers waited for the event loop since the previous scrape: the first sign that
 * something on the hot path blocks. Sampled every 20 ms; each scrape reads and restarts the window.
 */
const delay = monitorEventLoopDelay({ resolution: 20 });
delay.enable();

const NS_PER_SECOND = 1e9;

new Gauge({
  name: 'nyx_event_loop_delay_seconds',
  help: 'Event-loop delay since the previous scrape, by statistic (p50, p99, max).',
  labelNames: ['stat'] as const,
  registers: [registry],
  collect() {
    // Before the first sample the histogram reports its sentinel minimum; report zero instead.
    const sampled = delay.count > 0;
    this.set({ stat: 'p50' }, sampled ? delay.percentile(50) / NS_PER_SECOND : 0);
    this.set({ stat: 'p99' }, sampled ? delay.percentile(99) / NS_PER_SECOND : 0);
    this.set({ stat: 'max' }, sampled ? delay.max / NS_PER_SECOND : 0);
    delay.reset();
  },
});
