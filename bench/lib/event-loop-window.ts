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
