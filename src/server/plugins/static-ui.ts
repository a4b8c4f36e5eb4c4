import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { hotPath } from '../../runtime/hot-path/hot-path.js';

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Friendly paths for the two pages; everything else is served under its own name. */
const PAGES: Record<string, string> = { '/': 'index.html', '/ops': 'ops.html' };

/**
 * The web UI. The public folder is listed once at start-up and only those files are ever served,
 * each by an exact name match, so no request path can reach outside it. Every asset answers both at
 * the root (`/app.js`, as the pages link them) and under `/public/`.
 */
export const staticUi: FastifyPluginAsync = async (app) => {
  const names = (await readdir(PUBLIC_DIR, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && CONTENT_TYPES[path.extname(entry.name)] !== undefined)
    .map((entry) => entry.name);

  const serve = (url: string, file: string) =>
    app.get(url, { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) =>
      // One operation for every asset, so the dashboard's table lists the API, not each file.
      hotPath('http.GET static', async () => {
        // Read per request so a UI edit shows on reload; the files are small.
        const body = await readFile(path.join(PUBLIC_DIR, file));
        return reply
          .type(CONTENT_TYPES[path.extname(file)]!)
          .header('cache-control', 'no-cache')
          .header('x-content-type-options', 'nosniff')
          .send(body);
      }),
    );

  for (const [url, file] of Object.entries(PAGES)) serve(url, file);
  for (const name of names) {
    serve(`/${name}`, name);
    serve(`/public/${name}`, name);
  }
};
