/**
 * `nyx`: what a game needs to run the engine in its own process — configuration, the runtime
 * (`startNyx`) and the HTTP server over it. The other entry points (`nyx/engine`, `nyx/server`,
 * `nyx/runtime`, `nyx/scenarios`, `nyx/config`) hold the rest of the public surface.
 */
export { startNyx, type Nyx, type NyxOptions } from '../app/nyx.js';
export { buildNyxServer } from '../app/nyx-server.js';
export { ConfigError, loadConfig, type Config } from '../config/config.js';
export { setLogLevel } from '../observability/logger.js';
export { installGracefulShutdown, type GracefulShutdownOptions } from '../server/graceful-shutdown.js';
export { GameError, type GameErrorCode } from '../conflict/engine/game-errors.js';
export type { GameApi, GameState, ChoiceOutcome } from '../conflict/engine/game-state.js';
export type { ContentEvent } from '../runtime/hub/content-hub.js';
export { loadScenarioFile, type Scenario } from '../conflict/scenarios/index.js';
