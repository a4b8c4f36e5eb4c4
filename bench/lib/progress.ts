import { sleep } from './phase-clock.js';

/** A single updating line on stderr while the benchmark runs (silent when stderr is not a terminal). */
export class Progress {
  private lastLength = 0;

  constructor(private readonly enabled: boolean) {}

  update(text: string): void {
    if (!this.enabled) return;
    const line = text.slice(0, (process.stderr.columns ?? 120) - 1);
    process.stderr.write(`\r${line}${' '.repeat(Math.max(0, this.lastLength - line.length))}`);
    this.lastLength = line.length;
  }

  /** Waits `ms`, redrawing the line (with a bar of the time gone) four times a second. */
  async during(ms: number, describe: (elapsedMs: number) => string): Promise<void> {
    const started = Date.now();
    for (;;) {
      const elapsed = Date.now() - started;
      const done = Math.min(1, ms === 0 ? 1 : elapsed / ms);
      const bar = '█'.repeat(Math.round(done * 20)).padEnd(20, '░');
      this.update(`${bar} ${describe(elapsed)}`);
      if (elapsed >= ms) return;
      await sleep(Math.min(250, ms - elapsed));
    }
  }

  done(): void {
    if (this.enabled && this.lastLength > 0) process.stderr.write(`\r${' '.repeat(this.lastLength)}\r`);
    this.lastLength = 0;
  }
}
