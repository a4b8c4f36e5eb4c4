// Nyx web client: the start screen, the game screen and its live updates.
// Everything renders from the last `state` the server returned; SSE events patch content in place
// and tell us when to fetch a fresh state. Server text only ever becomes text nodes (see dom.js).

import { h, $, reconcile, clamp, pct, titleCase } from './dom.js';
import { api, savedGames, connectEvents, ApiError } from './api.js';
import { JobTimeline } from './jobs.js';

const PHASES = ['seeds', 'emerging', 'rising', 'confrontation', 'climax', 'falling', 'resolution', 'aftermath'];
const TENSION_LEVELS = ['baseline', 'simmering', 'rising', 'high', 'critical'];
const BEHAVIORS = new Set(['agitated', 'tense', 'diplomatic', 'provocative', 'protective', 'calculating', 'observant']);
const KIND_LABEL = {
  action: 'Action',
  reaction: 'Reaction',
  narration: 'Narration',
  beat: 'Turning point',
  gossip: 'Whispered',
  reputation: 'Reputation',
  alliance: 'Alliance',
  canon: 'Canon',
  reference: 'Remembered',
  manifestation: 'In the air',
  escalation: 'Escalation',
};

/** Story items shown at first, newest first; "Earlier in the story" shows more, a page at a time. */
const FEED_PAGE = matchMedia('(max-width: 760px)').matches ? 5 : 12;

const store = {
  session: null,
  state: null,
  busy: false, // a choice or form is in flight
  stopEvents: null,
  feedNodes: new Map(), // content id -> { sig, node }
  feedShown: FEED_PAGE, // how many story items the feed shows
  // Older story than the state carries, read back from the feed API: items, the cursor of the page
  // after them (undefined before the first read, null once the start of the story is reached).
  archive: { items: [], next: undefined, loading: false },
  fetching: null,
  refetch: false,
  scenarios: [],
  selectedScenario: null,
  opening: null, // { gameId, state } of the game just created, shown once the address names it
};

const jobs = new JobTimeline($('#jobs'), $('#job-list'), $('#jobs-summary'), $('#jobs-toggle'));

// ---- toasts -----------------------------------------------------------------------------------

function toast(message, tone = 'error') {
  const el = h('div', { class: `toast toast-${tone}`, role: tone === 'error' ? 'alert' : 'status' }, message);
  $('#toasts').append(el);
  setTimeout(() => el.classList.add('toast-out'), 4800);
  setTimeout(() => el.remove(), 5400);
}

const errorMessage = (err) => (err instanceof ApiError ? err.message : 'Something went wrong. Please try again.');

// ---- start screen -----------------------------------------------------------------------------

async function showStart() {
  store.stopEvents?.();
  store.stopEvents = null;
  store.session = null;
  store.state = null;
  $('#game').hidden = true;
  $('#start').hidden = false;
  window.scrollTo({ top: 0 });
  document.title = 'Nyx';
  renderSavedGames();

  const list = $('#scenarios');
  try {
    store.scenarios = await api.scenarios();
  } catch (err) {
    list.replaceChildren(
      h(
        'div',
        { class: 'empty' },
        h('p', {}, errorMessage(err)),
        h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: showStart }, 'Try again'),
      ),
    );
    return;
  }
  if (!store.scenarios.length) {
    list.replaceChildren(h('p', { class: 'muted' }, 'No tales are installed on this server yet.'));
    return;
  }
  store.selectedScenario ??= store.scenarios[0].id;
  renderScenarios();
}

const playedAt = (time) => (time ? new Date(time).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : 'some time ago');

/** The tales kept in this browser, last played first, each to continue or to forget. */
function renderSavedGames() {
  const games = savedGames.list();
  $('#resume').hidden = games.length === 0;
  $('#saved-games').replaceChildren(
    ...games.map((g) =>
      h(
        'li',
        { class: 'saved-game', 'data-testid': 'saved-game', 'data-game': g.gameId },
        h(
          'div',
          { class: 'saved-game-text' },
          h('p', { class: 'resume-title' }, g.scenarioTitle ?? 'An untitled tale'),
          h('p', { class: 'saved-game-when' }, `Last played ${playedAt(g.savedAt)}`),
        ),
        h(
          'div',
          { class: 'saved-game-actions' },
          h('a', { class: 'btn btn-primary btn-small', href: gameHash(g.gameId), 'data-testid': 'resume' }, 'Continue'),
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-ghost btn-small',
              'data-testid': 'forget',
              title: 'Forget this tale in this browser (its key is kept nowhere else)',
              onclick: () => {
                savedGames.forget(g.gameId);
                renderSavedGames();
              },
            },
            'Forget',
          ),
        ),
      ),
    ),
  );
}

function renderScenarios() {
  const cards = store.scenarios.map((s, i) => {
    const selected = s.id === store.selectedScenario;
    return h(
      'button',
      {
        type: 'button',
        class: 'scenario-card',
        role: 'radio',
        'aria-checked': String(selected),
        // A radio group is one tab stop; the arrow keys move within it.
        tabindex: selected ? '0' : '-1',
        'data-testid': 'scenario-card',
        'data-scenario': s.id,
        style: { '--i': i },
        onclick: () => {
          store.selectedScenario = s.id;
          renderScenarios();
        },
        ondblclick: () => begin(),
      },
      h('span', { class: 'scenario-mark', 'aria-hidden': 'true' }, romanNumeral(i + 1)),
      h('span', { class: 'scenario-title' }, s.title),
      h('span', { class: 'scenario-summary' }, s.summary),
    );
  });
  $('#scenarios').replaceChildren(...cards);
  $('#begin').disabled = !store.selectedScenario;
}

$('#scenarios').addEventListener('keydown', (e) => {
  const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
  if (!step || !store.scenarios.length) return;
  e.preventDefault();
  const at = store.scenarios.findIndex((s) => s.id === store.selectedScenario);
  store.selectedScenario = store.scenarios[(at + step + store.scenarios.length) % store.scenarios.length].id;
  renderScenarios();
  $('[data-testid="scenario-card"][aria-checked="true"]')?.focus();
});

const romanNumeral = (n) => ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X'][n - 1] ?? String(n);

async function begin() {
  if (!store.selectedScenario || store.busy) return;
  const btn = $('#begin');
  store.busy = true;
  btn.disabled = true;
  btn.textContent = 'Opening the doors…';
  try {
    const seed = $('#seed').value.trim();
    const { gameId, token, state } = await api.createGame(store.selectedScenario, seed || undefined);
    savedGames.save({ gameId, token, scenarioTitle: state?.scenario?.title });
    store.busy = false;
    store.opening = { gameId, state };
    location.hash = gameHash(gameId);
  } catch (err) {
    toast(errorMessage(err));
  } finally {
    store.busy = false;
    btn.disabled = false;
    btn.textContent = 'Begin';
  }
}

/** Opens a kept game by its id: its token comes from this browser's kept games, never from the URL. */
async function openGame(gameId) {
  const s = savedGames.get(gameId);
  if (!s) {
    toast('This tale was begun in another browser: its key is not kept here.', 'info');
    return leaveGame({ replace: true });
  }
  if (store.session?.gameId === gameId && !$('#game').hidden) return;
  const opening = store.opening?.gameId === gameId ? store.opening : null;
  store.opening = null;
  if (opening) return enterGame(s, opening.state, { fresh: true });
  try {
    const state = await api.state(s);
    // Back or Forward may have moved on while the state was on its way.
    if (gameIdInUrl() === gameId) enterGame(s, state, { fresh: false });
  } catch (err) {
    if (gameIdInUrl() !== gameId) return;
    if (err instanceof ApiError && [401, 403, 404].includes(err.status)) {
      savedGames.forget(gameId);
      toast('That tale has ended on the server. Choose a new one.', 'info');
    } else {
      toast(errorMessage(err));
    }
    leaveGame({ replace: true });
  }
}

// ---- where the player is: the start screen (#/) or a game (#/games/<id>) --------------------

const gameHash = (gameId) => `#/games/${encodeURIComponent(gameId)}`;

/** The game id in the address, or null on the start screen. */
function gameIdInUrl() {
  const match = /^#\/games\/([^/?#]+)$/.exec(location.hash);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

/** Back to the start screen; `replace` when the game cannot be shown, so Back does not return to it. */
function leaveGame({ replace = false } = {}) {
  if (replace) history.replaceState(null, '', `${location.pathname}${location.search}#/`);
  else if (location.hash !== '#/') location.hash = '#/';
  if (gameIdInUrl() === null) showStart();
}

/** Shows what the address names; Back and Forward move between the start screen and games. */
function route() {
  const gameId = gameIdInUrl();
  if (gameId) openGame(gameId);
  else showStart();
}

// ---- game screen ------------------------------------------------------------------------------

function enterGame(s, state, { fresh }) {
  store.session = s;
  store.state = null;
  store.feedNodes.clear();
  store.feedShown = FEED_PAGE;
  store.archive = { items: [], next: undefined, loading: false };
  // A fetch still on its way for the game left behind must not stand in for this one's.
  store.fetching = null;
  store.refetch = false;
  $('#feed').replaceChildren();
  $('#outcome').hidden = true;
  jobs.clear();
  $('#start').hidden = true;
  $('#game').hidden = false;
  applyState(state, { first: true });
  if (fresh) $('#feed-scroll').scrollTop = 0;
  store.stopEvents?.();
  store.stopEvents = connectEvents(s, {
    content: onContentEvent,
    job: (job) => jobs.upsert(job),
    state: (ev) => {
      if (!store.state || !(Number(ev?.version) <= store.state.version)) refreshState();
    },
    status: (status) => {
      const el = $('#live');
      el.dataset.status = status;
      el.lastElementChild.textContent = status === 'live' ? 'live' : status === 'offline' ? 'offline' : 'reconnecting';
    },
    reopen: refreshState,
  });
}

/** Fetches the state, coalescing bursts of `state` events into at most one request in flight. */
async function refreshState() {
  const s = store.session;
  if (!s) return;
  if (store.fetching) {
    store.refetch = true;
    return store.fetching;
  }
  store.fetching = (async () => {
    try {
      do {
        store.refetch = false;
        const state = await api.state(s);
        // The player may have left this game (or opened another) while the answer was on its way.
        if (store.session !== s) return;
        applyState(state);
      } while (store.refetch);
    } catch (err) {
      if (store.session !== s) return;
      if (err instanceof ApiError && [401, 403, 404].includes(err.status)) {
        savedGames.forget(s.gameId);
        toast('This tale is no longer on the server.', 'info');
        return leaveGame({ replace: true });
      }
      toast(errorMessage(err));
    } finally {
      store.fetching = null;
    }
  })();
  return store.fetching;
}

function applyState(state, { first = false } = {}) {
  if (!state) return;
  // A slower GET can land after a choice's fresher answer: never step backwards.
  if (store.state && Number(state.version) < Number(store.state.version)) return;
  store.state = state;
  if (store.session && first) {
    if (state.scenario?.title) store.session.scenarioTitle = state.scenario.title;
    savedGames.save(store.session);
  }
  renderHeader(state);
  renderNpcs(state);
  renderFeed(state, { first });
  renderChoices(state);
  renderConflicts(state);
  renderCanon(state);
  renderKindleNpcs(state);
}

function npcNames(state) {
  const names = new Map();
  for (const n of state.scene?.npcs ?? []) names.set(n.id, n.name);
  for (const c of state.conflicts ?? []) for (const s of c.stakeholders ?? []) if (!names.has(s.npcId)) names.set(s.npcId, s.name);
  return names;
}

function renderHeader(state) {
  const loc = state.scene?.location ?? {};
  $('#g-title').textContent = state.scenario?.title ?? 'Untitled tale';
  $('#g-location').textContent = loc.name ?? '';
  $('#g-location-name').textContent = loc.name ?? '';
  $('#g-location-desc').textContent = loc.description ?? '';
  document.title = `${state.scenario?.title ?? 'Nyx'} · Nyx`;

  const t = state.tension ?? {};
  const level = TENSION_LEVELS.includes(t.level) ? t.level : 'baseline';
  const box = $('#tension');
  box.dataset.level = level;
  box.title = `Tension ${pct(t.score ?? 0)}`;
  $('#tension-level').textContent = t.level ?? 'baseline';
  $('#tension-fill').style.width = pct(t.score ?? 0);
  $('#tension-atmosphere').textContent = t.atmosphere ?? '';
  $('#degraded').hidden = !state.degraded;
  const cost = state.cost ?? { spentUsd: 0, budgetUsd: null, exhausted: false };
  $('#budget-spent').hidden = !cost.exhausted;
  $('#cost').textContent = `$${cost.spentUsd.toFixed(4)}${cost.budgetUsd === null ? '' : ` of $${cost.budgetUsd.toFixed(2)}`}`;

  const p = state.player ?? {};
  $('#player').replaceChildren(
    h('p', { class: 'eyebrow' }, 'You'),
    h('p', { class: 'player-name' }, [p.name, p.role].filter(Boolean).join(', ') || 'A stranger here'),
  );
  $('#prologue').replaceChildren(
    p.intro ? h('div', { class: 'prologue-inner' }, h('p', { class: 'eyebrow' }, 'Prologue'), h('p', { class: 'prose' }, p.intro)) : '',
  );
}

function behaviorTag(behavior) {
  const b = BEHAVIORS.has(behavior) ? behavior : 'observant';
  return h('span', { class: `tag tag-${b}`, title: 'How they carry themselves right now' }, behavior ?? 'observant');
}

function stressBar(stress, label = 'Stress') {
  const v = clamp(Number(stress), 0, 1);
  return h(
    'div',
    { class: 'stress', title: `${label} ${pct(v)}`, 'data-high': v >= 0.75 ? 'true' : null },
    h('span', { class: 'stress-label' }, label),
    h(
      'span',
      {
        class: 'bar',
        role: 'meter',
        'aria-valuemin': '0',
        'aria-valuemax': '100',
        'aria-valuenow': String(Math.round(v * 100)),
        'aria-label': label,
      },
      h('i', { style: { width: pct(v) } }),
    ),
  );
}

function renderNpcs(state) {
  const npcs = state.scene?.npcs ?? [];
  const cards = npcs.map((n) => {
    const rep = Object.entries(n.reputation ?? {})
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2);
    return h(
      'li',
      { class: 'npc', 'data-testid': 'npc-card', 'data-npc': n.id, 'data-behavior': n.behavior ?? '' },
      h(
        'div',
        { class: 'npc-head' },
        h('span', { class: 'npc-initial', 'aria-hidden': 'true' }, initial(n.name)),
        h(
          'div',
          { class: 'npc-id' },
          h('p', { class: 'npc-name' }, n.name),
          h('p', { class: 'npc-role' }, h('span', {}, titleCase(n.socialRole ?? '')), behaviorTag(n.behavior)),
        ),
      ),
      n.description ? h('p', { class: 'npc-desc' }, n.description) : null,
      stressBar(n.stress),
      rep.length
        ? h(
            'p',
            { class: 'npc-rep' },
            rep.map(([k, v]) => h('span', { title: `${titleCase(k)} ${pct(v)}` }, `${k} ${Math.round(v * 100)}`)),
          )
        : null,
    );
  });
  $('#npcs').replaceChildren(...(cards.length ? cards : [h('li', { class: 'muted empty' }, 'The room is empty.')]));
}

const initial = (name) =>
  (
    String(name ?? '?')
      .replace(/^(Lady|Lord|Brother|Sister|Mistress|Master|Old|Archivist|Captain)\s+/i, '')
      .trim()[0] ?? '?'
  ).toUpperCase();

// ---- the story feed ---------------------------------------------------------------------------

const itemSig = (item) => `${item.status}|${item.origin}|${item.text ?? ''}|${item.fallbackText ?? ''}`;

function contentNode(item, names) {
  const kind = KIND_LABEL[item.kind] ? item.kind : 'narration';
  const status = item.status ?? 'ready';
  const who = item.subject?.npcId ? names.get(item.subject.npcId) : null;
  const speaks = kind === 'action' || kind === 'reaction' || kind === 'reference';
  const text = status === 'ready' ? (item.text ?? item.fallbackText ?? '') : (item.fallbackText ?? item.text ?? '');

  const meta = h(
    'p',
    { class: 'item-meta' },
    speaks && who ? h('span', { class: 'speaker' }, who) : null,
    h('span', { class: 'item-kind' }, KIND_LABEL[kind]),
    !speaks && who ? h('span', { class: 'item-about' }, `about ${who}`) : null,
    status === 'generating'
      ? h(
          'span',
          { class: 'item-generating', 'aria-label': 'generating' },
          'generating',
          h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')),
        )
      : null,
    // Only a generation that gave up is a stand-in: ready lines of origin "fallback" are ones the
    // rules write on purpose (a breaking point, a claimed move) and need no apology.
    status === 'failed'
      ? h('span', { class: 'item-fallback', title: 'The storyteller could not be reached in time; this is the stand-in text.' }, 'fallback')
      : null,
  );

  const body = h('p', { class: 'item-text' }, text || '…');

  return h(
    'li',
    {
      class: `item item-${kind}`,
      'data-testid': 'content-item',
      'data-id': item.id,
      'data-kind': kind,
      'data-status': status,
      'data-origin': item.origin ?? 'generated',
      title: item.createdAt ? new Date(item.createdAt).toLocaleTimeString() : null,
    },
    kind === 'beat' ? h('span', { class: 'ornament', 'aria-hidden': 'true' }, '❦') : null,
    meta,
    body,
  );
}

function renderFeed(state, { first = false } = {}) {
  const names = npcNames(state);
  const seen = new Set();
  const nodes = [];
  const items = storyItems(state);
  for (const item of items) {
    if (seen.has(item.id) || seen.size >= store.feedShown) continue;
    seen.add(item.id);
    const sig = itemSig(item);
    const prev = store.feedNodes.get(item.id);
    if (prev && prev.sig === sig) {
      nodes.push(prev.node);
      continue;
    }
    const node = contentNode(item, names);
    if (prev) flash(node);
    else if (!first) node.classList.add('item-enter');
    store.feedNodes.set(item.id, { sig, node });
    nodes.push(node);
  }
  for (const id of store.feedNodes.keys()) if (!seen.has(id)) store.feedNodes.delete(id);
  reconcile($('#feed'), nodes);
  $('#feed-earlier').hidden = items.length <= store.feedShown && !olderOnServer(state);
}

/** The state's newest items, then the older ones read back, each once. */
function storyItems(state) {
  const newest = (state.content ?? []).filter((item) => item?.id);
  const ids = new Set(newest.map((item) => item.id));
  return [...newest, ...store.archive.items.filter((item) => !ids.has(item.id))];
}

/**
 * The state carries the newest STATE_FEED_ITEMS items at most: a full one may have older story on
 * the server, read back through the feed API until its cursor runs out.
 */
const STATE_FEED_ITEMS = 60;
const olderOnServer = (state) =>
  store.archive.next !== null && (store.archive.next !== undefined || (state.content?.length ?? 0) >= STATE_FEED_ITEMS);

/** Items read back per page of the feed API. */
const ARCHIVE_PAGE = 50;

$('#feed-earlier').addEventListener('click', async () => {
  const state = store.state;
  if (!state) return;
  store.feedShown += FEED_PAGE * 2;
  const archive = store.archive;
  if (storyItems(state).length < store.feedShown && olderOnServer(state) && !archive.loading) {
    archive.loading = true;
    $('#feed-earlier').setAttribute('aria-busy', 'true');
    try {
      // The first page starts from the newest item and overlaps the state's; storyItems drops the repeats.
      const page = await api.feed(store.session, { before: archive.next, limit: ARCHIVE_PAGE });
      if (store.archive === archive) {
        archive.items.push(...page.items);
        archive.next = page.next;
      }
    } catch (err) {
      toast(errorMessage(err));
    } finally {
      archive.loading = false;
      $('#feed-earlier').removeAttribute('aria-busy');
    }
  }
  if (store.state) renderFeed(store.state);
});

function flash(node) {
  node.classList.add('item-flash');
  setTimeout(() => node.classList.remove('item-flash'), 1600);
}

function onContentEvent(ev) {
  const state = store.state;
  if (!state || !ev?.id) return;
  const item = state.content?.find((c) => c.id === ev.id);
  if (!item) return refreshState();
  for (const key of ['status', 'origin', 'text', 'fallbackText', 'kind']) if (ev[key] !== undefined) item[key] = ev[key];
  const sig = itemSig(item);
  const prev = store.feedNodes.get(item.id);
  if (prev?.sig === sig) return;
  const node = contentNode(item, npcNames(state));
  flash(node);
  store.feedNodes.set(item.id, { sig, node });
  if (prev?.node.isConnected) prev.node.replaceWith(node);
  else renderFeed(state);
}

// ---- choices ----------------------------------------------------------------------------------

/** Choices shown before "More choices…": enough to act on, few enough to leave the story the room. */
const TOP_CHOICES = 4;

let choicesSig = '';
let choicesExpanded = false;

/**
 * The most relevant choices first: one from each conflict in turn (the server lists the hottest
 * first), so the few shown span the situation rather than five ways into one quarrel; choices
 * about no conflict (keeping your counsel) come last.
 */
function rankChoices(choices) {
  const groups = new Map();
  for (const c of choices) {
    if (c.conflictId === undefined) continue;
    if (!groups.has(c.conflictId)) groups.set(c.conflictId, []);
    groups.get(c.conflictId).push(c);
  }
  const ranked = [];
  const queues = [...groups.values()];
  while (queues.some((q) => q.length)) for (const q of queues) if (q.length) ranked.push(q.shift());
  return [...ranked, ...choices.filter((c) => c.conflictId === undefined)];
}

function renderChoices(state) {
  const choices = rankChoices(state.choices ?? []);
  // Keep the same buttons while the choices are unchanged, so a click never lands on a node
  // that a background state refresh just replaced.
  const sig = JSON.stringify(choices.map((c) => [c.id, c.label, c.type]));
  if (sig === choicesSig && $('#choices').childElementCount) return setChoicesDisabled(store.busy);
  if (sig !== choicesSig) choicesExpanded = false;
  choicesSig = sig;
  const buttons = choices.map((c, i) =>
    h(
      'button',
      {
        type: 'button',
        class: `choice choice-${c.type ?? 'other'}`,
        'data-testid': 'choice',
        'data-choice': c.id,
        'data-rank': String(i + 1),
        hidden: i >= TOP_CHOICES && !choicesExpanded,
        disabled: store.busy,
        onclick: () => choose(c),
      },
      h('span', { class: 'choice-key', 'aria-hidden': 'true' }, String(i + 1)),
      h('span', { class: 'choice-label' }, c.label),
    ),
  );
  const extra = choices.length - TOP_CHOICES;
  const more =
    extra > 0
      ? h(
          'button',
          {
            type: 'button',
            class: 'choice-more',
            'data-testid': 'more-choices',
            'aria-expanded': String(choicesExpanded),
            onclick: (e) => toggleMoreChoices(e.currentTarget, extra),
          },
          choicesExpanded ? 'Fewer choices' : `More choices (${extra})…`,
        )
      : null;
  $('#choices').replaceChildren(
    ...(buttons.length ? [...buttons, more] : [h('p', { class: 'muted' }, 'The scene holds its breath. Nothing to do but wait…')]),
  );
}

function toggleMoreChoices(button, extra) {
  choicesExpanded = !choicesExpanded;
  const all = document.querySelectorAll('[data-testid="choice"]');
  all.forEach((b, i) => {
    b.hidden = i >= TOP_CHOICES && !choicesExpanded;
  });
  button.setAttribute('aria-expanded', String(choicesExpanded));
  button.textContent = choicesExpanded ? 'Fewer choices' : `More choices (${extra})…`;
  if (choicesExpanded) all[TOP_CHOICES]?.focus();
}

function setChoicesDisabled(disabled) {
  for (const b of document.querySelectorAll('[data-testid="choice"]')) b.disabled = disabled;
  $('#choices').setAttribute('aria-busy', String(disabled));
}

async function choose(choice) {
  if (store.busy || !store.session) return;
  store.busy = true;
  setChoicesDisabled(true);
  const s = store.session;
  try {
    const { outcome, state } = await api.choose(s, choice.id);
    if (store.session !== s) return;
    showOutcome(choice, outcome);
    store.busy = false;
    applyState(state);
    revealOutcome();
  } catch (err) {
    store.busy = false;
    if (store.session !== s) return;
    if (err instanceof ApiError && (err.status === 400 || err.status === 409)) {
      toast('The moment has passed — the scene moved on while you were deciding.', 'info');
      await refreshState();
    } else {
      toast(errorMessage(err));
    }
  } finally {
    store.busy = false;
    setChoicesDisabled(false);
  }
}

/** Brings the outcome into view: the feed scrolls on wide screens, the page on narrow ones. */
function revealOutcome() {
  const scroller = $('#feed-scroll');
  if (getComputedStyle(scroller).overflowY !== 'visible') return scroller.scrollTo({ top: 0, behavior: 'smooth' });
  const box = $('#outcome').getBoundingClientRect();
  const header = $('.topbar').getBoundingClientRect().bottom;
  const distance = box.top - header - 12;
  // A long way (the player scrolled down to the choices) is a jump: a long smooth scroll leaves the
  // story out of view for a second or more on a slow phone.
  if (box.top < header || box.top > innerHeight * 0.5)
    window.scrollBy({ top: distance, behavior: Math.abs(distance) > innerHeight ? 'instant' : 'smooth' });
}

function outcomeText(outcome) {
  if (typeof outcome === 'string') return outcome;
  return outcome?.text ?? outcome?.narrative ?? outcome?.message ?? outcome?.summary ?? '';
}

function showOutcome(choice, outcome) {
  const el = $('#outcome');
  const text = outcomeText(outcome);
  el.replaceChildren(h('p', { class: 'outcome-choice' }, choice.label), h('p', { class: 'outcome-text' }, text || 'It is done.'));
  el.hidden = false;
  el.classList.remove('outcome-enter');
  void el.offsetWidth; // restart the entrance animation
  el.classList.add('outcome-enter');
}

// Number keys pick choices, unless the player is typing. With ten or more choices a first digit
// waits a moment for a second one, so "1" then "1" reaches choice 11.
let pendingDigit = null;

function pressChoice(n) {
  const button = document.querySelectorAll('[data-testid="choice"]')[n - 1];
  if (!button || button.disabled) return;
  if (button.hidden) $('[data-testid="more-choices"]')?.click();
  button.click();
}

document.addEventListener('keydown', (e) => {
  if ($('#game').hidden || e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.target.closest?.('input, textarea, select, dialog')) return;
  if (!/^[0-9]$/.test(e.key)) return;
  const count = document.querySelectorAll('[data-testid="choice"]').length;
  if (pendingDigit) {
    clearTimeout(pendingDigit.timer);
    const n = Number(pendingDigit.digits + e.key);
    pendingDigit = null;
    return pressChoice(n);
  }
  const n = Number(e.key);
  if (n === 0) return;
  if (count < 10 || n * 10 > count) return pressChoice(n);
  pendingDigit = { digits: e.key, timer: setTimeout(() => ((pendingDigit = null), pressChoice(n)), 600) };
});

// ---- conflicts --------------------------------------------------------------------------------

function phaseTrack(conflict) {
  const idx = PHASES.indexOf(conflict.phase);
  return h(
    'div',
    { class: 'phase', 'aria-label': `Phase: ${conflict.phase}` },
    h(
      'ol',
      { class: 'phase-track' },
      PHASES.map((p, i) =>
        h(
          'li',
          { class: 'phase-step', 'data-state': i < idx ? 'past' : i === idx ? 'current' : 'future', title: titleCase(p) },
          i === idx ? h('i', { class: 'phase-progress', style: { width: pct(conflict.phaseProgress ?? 0) } }) : null,
        ),
      ),
    ),
    h(
      'p',
      { class: 'phase-name' },
      h('span', {}, titleCase(conflict.phase ?? 'unknown')),
      h('span', { class: 'muted' }, idx >= 0 ? `${idx + 1} of ${PHASES.length}` : ''),
    ),
  );
}

function meter(label, value, { centred = false } = {}) {
  const v = Number(value) || 0;
  const fill = centred
    ? h('i', {
        class: v < 0 ? 'neg' : 'pos',
        style: { left: v < 0 ? `${50 + clamp(v, -1, 1) * 50}%` : '50%', width: `${Math.abs(clamp(v, -1, 1)) * 50}%` },
      })
    : h('i', { style: { width: pct(v) } });
  const shown = centred ? `${v > 0 ? '+' : ''}${v.toFixed(2)}` : pct(v);
  return h(
    'div',
    { class: `meter${centred ? ' meter-centred' : ''}`, title: `${label} ${shown}` },
    h('span', { class: 'meter-label' }, label),
    h('span', { class: 'bar' }, fill, centred ? h('b', { class: 'mid', 'aria-hidden': 'true' }) : null),
    h('span', { class: 'meter-value' }, shown),
  );
}

function renderConflicts(state) {
  const conflicts = [...(state.conflicts ?? [])].sort((a, b) => (a.status === b.status ? 0 : a.status === 'active' ? -1 : 1));
  const panels = conflicts.map((c) =>
    h(
      'article',
      { class: 'conflict', 'data-testid': 'conflict', 'data-conflict': c.id, 'data-status': c.status },
      h(
        'header',
        { class: 'conflict-head' },
        h('h3', { class: 'conflict-title' }, c.title ?? 'A conflict'),
        h(
          'p',
          { class: 'conflict-sub' },
          h('span', { class: 'chip' }, c.type ?? 'conflict'),
          c.status === 'resolved' ? h('span', { class: 'chip chip-resolved' }, 'resolved') : null,
          c.tension?.level ? h('span', { class: `chip chip-level chip-${c.tension.level}` }, c.tension.level) : null,
        ),
      ),
      phaseTrack(c),
      meter('Intensity', c.intensity),
      meter('Momentum', c.momentum, { centred: true }),
      h(
        'ul',
        { class: 'stakeholders' },
        (c.stakeholders ?? []).map((s) =>
          h(
            'li',
            { class: 'stakeholder' },
            h(
              'div',
              { class: 'sh-line' },
              h('span', { class: 'sh-name' }, s.name),
              h('span', { class: 'sh-role' }, s.role ?? ''),
              s.behavior ? behaviorTag(s.behavior) : null,
            ),
            stressBar(s.stress),
          ),
        ),
      ),
      c.status === 'active'
        ? h(
            'button',
            { type: 'button', class: 'btn btn-ghost btn-small btn-resolve', 'data-testid': 'resolve', onclick: () => openResolve(c) },
            'Resolve…',
          )
        : null,
    ),
  );
  $('#conflicts').replaceChildren(...(panels.length ? panels : [h('p', { class: 'muted empty' }, 'All is quiet. For now.')]));
}

function renderCanon(state) {
  const canon = state.canon ?? [];
  $('#canon').replaceChildren(
    ...(canon.length
      ? canon.map((c) =>
          h(
            'li',
            { class: 'canon', 'data-testid': 'canon' },
            h(
              'p',
              { class: 'canon-name' },
              c.name,
              h(
                'span',
                { class: 'canon-sig', title: `Significance ${pct(c.significance ?? 0)}` },
                '✦'.repeat(Math.max(1, Math.round(clamp(c.significance ?? 0, 0, 1) * 5))),
              ),
            ),
            h('p', { class: 'canon-text' }, c.text),
          ),
        )
      : [h('li', { class: 'muted empty' }, 'Nothing has yet passed into legend.')]),
  );
}

// ---- forms: start a conflict, resolve one -----------------------------------------------------

function pickList(container, people, name) {
  const checked = new Set([...container.querySelectorAll('input:checked')].map((i) => i.value));
  container.replaceChildren(
    ...people.map((p) =>
      h('label', { class: 'pick' }, h('input', { type: 'checkbox', name, value: p.id, checked: checked.has(p.id) }), h('span', {}, p.name)),
    ),
  );
}

function renderKindleNpcs(state) {
  pickList(
    $('#kindle-npcs'),
    (state.scene?.npcs ?? []).map((n) => ({ id: n.id, name: n.name })),
    'npcIds',
  );
}

function formError(el, message) {
  el.textContent = message ?? '';
  el.hidden = !message;
}

/** What is wrong with the conflict form, or nothing. */
function kindleProblem(form) {
  if (!form.elements.type.value.trim()) return 'Name the kind of conflict.';
  if (form.querySelectorAll('input[name="npcIds"]:checked').length < 2) return 'Pick at least two people.';
  return undefined;
}

// An error shown for the form goes away as soon as the form is put right.
$('#kindle-form').addEventListener('input', (e) => {
  const err = $('#kindle-error');
  if (!err.hidden && !kindleProblem(e.currentTarget)) formError(err);
});

$('#kindle-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  const type = form.elements.type.value.trim();
  const npcIds = [...form.querySelectorAll('input[name="npcIds"]:checked')].map((i) => i.value);
  const title = form.elements.title.value.trim();
  const err = $('#kindle-error');
  const problem = kindleProblem(form);
  if (problem) return formError(err, problem);
  formError(err);
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  try {
    const { state } = await api.createConflict(store.session, title ? { type, npcIds, title } : { type, npcIds });
    form.reset();
    for (const i of form.querySelectorAll('input[type="checkbox"]')) i.checked = false;
    $('#kindle').open = false;
    applyState(state);
    toast('A new conflict smoulders.', 'info');
  } catch (ex) {
    formError(err, errorMessage(ex));
  } finally {
    submit.disabled = false;
  }
});

let resolving = null;

function openResolve(conflict) {
  resolving = conflict;
  const dialog = $('#resolve-dialog');
  const form = $('#resolve-form');
  form.reset();
  formError($('#resolve-error'));
  $('#resolve-name').textContent = `“${conflict.title ?? 'this conflict'}”`;
  $('#resolve-winners').replaceChildren();
  pickList(
    $('#resolve-winners'),
    (conflict.stakeholders ?? []).map((s) => ({ id: s.npcId, name: s.name })),
    'winners',
  );
  dialog.showModal();
  form.elements.outcome.focus();
}

$('#resolve-cancel').addEventListener('click', () => $('#resolve-dialog').close());

$('#resolve-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  const outcome = form.elements.outcome.value.trim();
  if (!outcome) return formError($('#resolve-error'), 'Tell how it ends.');
  const winnerNpcIds = [...form.querySelectorAll('input[name="winners"]:checked')].map((i) => i.value);
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  try {
    const { state } = await api.resolveConflict(store.session, resolving.id, winnerNpcIds.length ? { outcome, winnerNpcIds } : { outcome });
    $('#resolve-dialog').close();
    applyState(state);
  } catch (ex) {
    formError($('#resolve-error'), errorMessage(ex));
    if (ex instanceof ApiError && ex.status === 409) refreshState();
  } finally {
    submit.disabled = false;
  }
});

// ---- wiring -----------------------------------------------------------------------------------

$('#begin').addEventListener('click', begin);
// "New tale" goes back to the start screen; the game stays kept, to continue from the list.
$('#new-game').addEventListener('click', () => leaveGame());
addEventListener('hashchange', route);
route();
