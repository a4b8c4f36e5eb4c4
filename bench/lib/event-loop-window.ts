import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { sumOf, type MetricSample } from './prometheus.js';

/** The event-loop delay of the server process over the measured phase only. */
export interface EventLoopWindow {
  readonly source: string;
  start(): void;
  stop(): void;
  /** Called with every /metrics scrape of the server. */
  observe(samples: MetricSample[]): void;
  p99Ms(): number;
}

/** The server shares this process: read its event loop directly. */
export class InProcessEventLoopWindow implements EventLoopWindow {
  readonly source = 'perf_hooks.monitorEventLoopDelay in the server process (load generator shares it)';
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  start(): void {
    this.histogram.reset();
    this.histogram.enable();
  }

  stop(): void {
    this.histogram.disable();
  }

  observe(): void {}

  p99Ms(): number {
    return this.histogram.count > 0 ? this.histogram.percentile(99) / 1e6 : 0;
  }
}

/** The server is another process: each scrape reads (and restarts) its own one-second window; keep the worst. */
export class ScrapedEventLoopWindow implements EventLoopWindow {
  readonly source = 'worst per-second p99 of nyx_event_loop_delay_seconds scraped from the server process';
  private worstSeconds = 0;
  private open = false;

  start(): void {
    this.worstSeconds = 0;
    this.open = true;
  }

  stop(): void {
    this.open = false;
  }

  observe(samples: MetricSample[]): void {
    if (this.open) this.worstSeconds = Math.max(this.worstSeconds, sumOf(samples, 'nyx_event_loop_delay_seconds', { stat: 'p99' }));
  }

  p99Ms(): number {
    return this.worstSeconds * 1000;
  }
}
