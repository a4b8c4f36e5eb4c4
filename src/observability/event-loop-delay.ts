import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

const NS_PER_MS = 1e6;

/**
 * How late the event loop ran a timer, from Node's `monitorEventLoopDelay`. Node records the whole
 * time between two firings of its repeating timer, the interval included: an idle loop sampled
 * every 20 ms reads about 20 ms at every percentile. Each figure here has the interval taken off
 * (never below zero), so an idle loop reads about 0, as OpenTelemetry's and Elastic's Node agents
 * report it.
 */
export class EventLoopDelay {
  private readonly histogram: IntervalHistogram;

  /** @param resolutionMs how often the loop is sampled, in ms (Node's default: 10). */
  constructor(
    readonly resolutionMs = 10,
    histogram?: IntervalHistogram,
  ) {
    this.histogram = histogram ?? monitorEventLoopDelay({ resolution: resolutionMs });
  }

  enable(): this {
    this.histogram.enable();
    return this;
  }

  disable(): void {
    this.histogram.disable();
  }

  /** Samples since the last reset; 0 until the first one (the percentiles then mean nothing). */
  get count(): number {
    return this.histogram.count;
  }

  /** The `percentile`th delay in ms, 0 before the first sample. */
  percentileMs(percentile: number): number {
    return this.count > 0 ? this.beyondInterval(this.histogram.percentile(percentile)) : 0;
  }

  /** The longest delay in ms, 0 before the first sample. */
  maxMs(): number {
    return this.count > 0 ? this.beyondInterval(this.histogram.max) : 0;
  }

  /** Starts a new window. */
  reset(): void {
    this.histogram.reset();
  }

  private beyondInterval(ns: number): number {
    return Math.max(0, ns / NS_PER_MS - this.resolutionMs);
  }
}
