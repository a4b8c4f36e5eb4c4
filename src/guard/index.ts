export { runGuardCli } from './guard-cli.js';
export { runAuditCli } from './audit.js';
export type { CliIo } from './cli-io.js';
export { runGuard } from './guard.js';
export { loadGuardConfig, NYX_GUARD_CONFIG, GUARD_CONFIG_FILE, type GuardConfig } from './config.js';
export type { Finding, GuardReport, Hop } from './findings.js';
