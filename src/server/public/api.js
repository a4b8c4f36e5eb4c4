// The HTTP contract of the game server, the games kept in this browser, and the live event stream.

/** Every game this browser has played: `{ [gameId]: { token, scenarioTitle, savedAt } }`. */
const GAMES_KEY = 'nyx.games';
/** Where earlier versions kept the one game they remembered. */
const LEGACY_SESSION_KEY = 'nyx.session';

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

function readGames() {
  let games = {};
  try {
    const parsed = JSON.parse(localStorage.getItem(GAMES_KEY) ?? '{}');
    if (parsed && typeof parsed === 'object') games = parsed;
  } catch {
    // A damaged entry is dropped, not fatal: the player starts a new tale.
  }
  try {
    const legacy = JSON.parse(localStorage.getItem(LEGACY_SESSION_KEY) ?? 'null');
    if (legacy && typeof legacy.gameId === 'string' && typeof legacy.token === 'string' && !games[legacy.gameId]) {
      games[legacy.gameId] = { token: legacy.token, scenarioTitle: legacy.scenarioTitle, savedAt: Date.now() };
      localStorage.setItem(GAMES_KEY, JSON.stringify(games));
    }
    localStorage.removeItem(LEGACY_SESSION_KEY);
  } catch {
    localStorage.removeItem(LEGACY_SESSION_KEY);
  }
  return games;
}

/**
 * The games kept in this browser. A game's token lives here, keyed by its id, and never in the URL
 * (the address shows only `#/games/<id>`), so a shared link or a server log holds no key to a game.
 */
export const savedGames = {
  /** The kept games, last played first: `[{ gameId, token, scenarioTitle, savedAt }]`. */
  list() {
    return Object.entries(readGames())
      .filter(([, g]) => g && typeof g.token === 'string')
      .map(([gameId, g]) => ({ gameId, ...g }))
      .sort((a, b) => (b.savedAt ?? 0) - (a.savedAt ?? 0));
  },
  get(gameId) {
    const g = readGames()[gameId];
    return g && typeof g.token === 'string' ? { gameId, ...g } : null;
  },
  /** Keeps a game (or marks it played just now). */
  save({ gameId, token, scenarioTitle }) {
    const games = readGames();
    games[gameId] = { token, scenarioTitle, savedAt: Date.now() };
    localStorage.setItem(GAMES_KEY, JSON.stringify(games));
  },
  forget(gameId) {
    const games = readGames();
    delete games[gameId];
    localStorage.setItem(GAMES_KEY, JSON.stringify(games));
  },
};

/** What `request` answers when the caller's `ifNoneMatch` tag is still current (HTTP 304). */
const NOT_MODIFIED = Symbol('not modified');

async function request(method, path, { body, token, ifNoneMatch, onTag } = {}) {
  const headers = { accept: 'application/json' };
  if (ifNoneMatch) headers['if-none-match'] = ifNoneMatch;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  // One key per click: a double click or a resent request is answered once, never applied twice.
  if (method === 'POST') headers['idempotency-key'] = crypto.randomUUID();
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  if (res.status === 304) return NOT_MODIFIED;
  onTag?.(res.headers.get('etag'));
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = data?.error;
    throw new ApiError(res.status, e?.code ?? 'http_' + res.status, e?.message ?? `The server answered ${res.status}.`, e?.field);
  }
  return data;
}

const game = (s, rest = '') => `/api/games/${encodeURIComponent(s.gameId)}${rest}`;

/**
 * The last state read and its entity tag: the server answers a sync of an unchanged game with 304
 * and no body, and this copy stands in for it.
 */
let lastSync = { gameId: null, tag: null, state: null };

async function syncState(s) {
  const known = lastSync.gameId === s.gameId ? lastSync : null;
  let tag = null;
  const state = await request('GET', game(s, '/state'), { token: s.token, ifNoneMatch: known?.tag, onTag: (t) => (tag = t) });
  if (state === NOT_MODIFIED) return known.state;
  lastSync = { gameId: s.gameId, tag, state };
  return state;
}

export const api = {
  scenarios: () => request('GET', '/api/scenarios'),
  createGame: (scenario, seed) => request('POST', '/api/games', { body: seed ? { scenario, seed } : { scenario } }),
  state: syncState,
  feed: (s, { before, limit }) =>
    request('GET', game(s, `/feed?limit=${limit}${before ? `&before=${encodeURIComponent(before)}` : ''}`), { token: s.token }),
  choose: (s, choiceId) => request('POST', game(s, '/choices'), { token: s.token, body: { choiceId } }),
  createConflict: (s, body) => request('POST', game(s, '/conflicts'), { token: s.token, body }),
  resolveConflict: (s, conflictId, body) =>
    request('POST', game(s, `/conflicts/${encodeURIComponent(conflictId)}/resolve`), { token: s.token, body }),
  ops: () => request('GET', '/api/ops'),
};

/**
 * Subscribes to the game's Server-Sent Events. EventSource reconnects by itself (sending
 * Last-Event-ID); if the server refuses outright the source closes, so we retry with backoff.
 * handlers: { content(data), job(data), state(data), status('live'|'connecting'|'offline'), reopen() }
 */
export function connectEvents(s, handlers) {
  let source;
  let stopped = false;
  let retry = 1000;
  let timer;
  let everOpened = false;

  const parse = (fn) => (ev) => {
    let data;
    try {
      data = JSON.parse(ev.data);
    } catch {
      return;
    }
    fn?.(data);
  };

  function open() {
    handlers.status?.('connecting');
    source = new EventSource(game(s, `/events?token=${encodeURIComponent(s.token)}`));
    source.addEventListener('open', () => {
      retry = 1000;
      handlers.status?.('live');
      if (everOpened) handlers.reopen?.();
      everOpened = true;
    });
    source.addEventListener('content', parse(handlers.content));
    source.addEventListener('job', parse(handlers.job));
    source.addEventListener('state', parse(handlers.state));
    source.addEventListener('error', () => {
      if (stopped) return;
      if (source.readyState === EventSource.CLOSED) {
        handlers.status?.('offline');
        clearTimeout(timer);
        timer = setTimeout(open, retry);
        retry = Math.min(retry * 2, 15000);
      } else {
        handlers.status?.('connecting');
      }
    });
  }

  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
  };
}
