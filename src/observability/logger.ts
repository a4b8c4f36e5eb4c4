import { pino, type Logger } from 'pino';

/**
 * One root logger for the process. Modules take a child (`logger.child({ module })`) so every line
 * says where it came from. The level comes from LOG_LEVEL; tests default to silent unless asked.
 */
export const logger: Logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
  base: { pid: process.pid },
});

export function setLogLevel(level: string): void {
  logger.level = level;
}

export type { Logger };
