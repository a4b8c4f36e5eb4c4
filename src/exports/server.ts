/** `nyx/server`: the Fastify game server (HTTP API, live updates, probes, web UI) and its shutdown. */
export { buildNyxServer } from '../app/nyx-server.js';
export { buildServer, type ServerConfig, type ServerDependencies } from '../server/server.js';
export { installGracefulShutdown, type GracefulShutdownOptions } from '../server/graceful-shutdown.js';
