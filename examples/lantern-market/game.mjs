// @ts-check
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildNyxServer, installGracefulShutdown, loadConfig, loadScenarioFile, setLogLevel, startNyx } from 'nyx';
import { settings } from './settings.mjs';

/**
 * The Lantern Market on Nyx: the engine and its HTTP API, the game's own scenario, and one route
 * of its own — the chronicle, every finished line of the story so far in the order it happened.
 * The process environment overrides `settings`.
 */
export async function startLanternMarket(env = process.env) {
  const config = loadConfig({ ...settings, ...env });
  setLogLevel(config.logLevel);
  const scenario = await loadScenarioFile(fileURLToPath(new URL('./scenarios/lantern-market.yaml', import.meta.url)));
  const nyx = await startNyx(config, { workers: true, scenarios: [scenario] });
  const app = await buildNyxServer(nyx);

  app.get('/api/games/:gameId/chronicle', async (request, reply) => {
    const { gameId } = /** @type {{ gameId: string }} */ (request.params);
    const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if ((await nyx.engine.authorize(gameId, token)) !== 'ok') return reply.code(404).send({ error: 'no such game' });
    const state = await nyx.engine.getState(gameId);
    const lines = state.content
      .filter((item) => item.status !== 'generating')
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map((item) => item.text);
    return { title: state.scenario.title, tension: state.tension.level, lines };
  });

  return { nyx, app, config };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { nyx, app, config } = await startLanternMarket();
  installGracefulShutdown(app, { onClose: () => nyx.close() });
  await app.listen({ port: config.http.port, host: config.http.host });
  console.log(`The Lantern Market is open: http://127.0.0.1:${config.http.port}/`);
}
