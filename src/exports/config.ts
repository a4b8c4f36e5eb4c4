/** `nyx/config`: the typed configuration read from the environment. */
export { ConfigError, loadConfig, type Config, type LogLevel } from '../config/config.js';
