import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

/**
 * One root logger for the process. Modules take a child (`logger.child({ module })`) so every line
 * says where it came from. The level comes from LOG_LEVEL; tests default to silent unless asked.
 *
 * Lines are JSON unless stdout is a terminal, where a person reads them: then they are
 * pretty-printed, synchronously so a line never lands after the banner it came before.
 */
const initialLevel = (): string => {
  const asked = process.env.LOG_LEVEL;
  // An unknown level must not crash at import time: the configuration rejects it with one line and exit 2.
  if (asked !== undefined && asked in pino.levels.values) return asked;
  if (asked === 'silent') return asked;
  return process.env.VITEST ? 'silent' : 'info';
};

export const logger: Logger = pino(
  { level: initialLevel(), base: { pid: process.pid } },
  process.stdout.isTTY
    ? pretty({ colorize: true, sync: true, singleLine: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' })
    : undefined,
);

export function setLogLevel(level: string): void {
  logger.level = level;
}

export type { Logger };
