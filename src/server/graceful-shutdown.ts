import type { FastifyInstance } from 'fastify';

export interface GracefulShutdownOptions {
  /** Runs after the server has closed: workers, queue, hub, database. */
  onClose: () => Promise<void>;
  /** A shutdown that takes longer than this is cut short with exit code 1. Default 15 s. */
  timeoutMs?: number;
  /** How long in-flight requests may take to finish before open connections are closed. Default 5 s. */
  requestGraceMs?: number;
  /** Injected by tests; `process.exit` otherwise. */
  exit?: (code: number) => void;
  /** A second signal this soon after the first is the same interrupt delivered twice. Default 1 s. */
  echoMs?: number;
}

// SIGHUP: a closed terminal or a process manager's reload must not kill the server mid-request.
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * On SIGTERM, SIGINT or SIGHUP: stop accepting connections, let in-flight requests finish, end the live
 * update streams (the server's preClose does that), then run `onClose` and exit 0. A second signal,
 * or the timeout, exits at once with 1 so a stuck dependency cannot hold the process forever.
 *
 * Ctrl+C on `npm start` delivers SIGINT twice within milliseconds: the terminal signals the whole
 * process group, and tsx relays the signal to the process it runs. Taking that echo for a second
 * signal skipped `onClose`, so the embedded database was never closed and the game was lost. A
 * second signal within `echoMs` of the first is therefore ignored.
 * Returns a function that removes the signal handlers.
 */
export function installGracefulShutdown(app: FastifyInstance, options: GracefulShutdownOptions): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const timeoutMs = options.timeoutMs ?? 15_000;
  const echoMs = options.echoMs ?? 1_000;
  let shuttingDownSince: number | undefined;

  const shutDown = async (signal: NodeJS.Signals) => {
    if (shuttingDownSince !== undefined) {
      if (Date.now() - shuttingDownSince < echoMs) return;
      app.log.warn({ signal }, 'second signal during shutdown: exiting now');
      exit(1);
      return;
    }
    shuttingDownSince = Date.now();
    app.log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      app.log.error({ timeoutMs }, 'shutdown timed out');
      exit(1);
    }, timeoutMs);
    deadline.unref();
    // In-flight requests get a grace period; after it, sockets that are still open (keep-alive
    // connections that never sent a request wait for the headers timeout otherwise) are cut.
    const stragglers = setTimeout(() => app.server.closeAllConnections(), options.requestGraceMs ?? 5_000);
    stragglers.unref();
    try {
      await app.close();
      clearTimeout(stragglers);
      await options.onClose();
      exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      exit(1);
    } finally {
      clearTimeout(deadline);
    }
  };

  const handler = (signal: NodeJS.Signals) => void shutDown(signal);
  for (const signal of SIGNALS) process.on(signal, handler);
  return () => {
    for (const signal of SIGNALS) process.off(signal, handler);
  };
}
