import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Nyx } from '../../src/app/nyx.js';
import { cacheKeys } from '../../src/conflict/domain/cache-contract.js';
import { contentItemView, contentRow, standingInWindow, type ContentSubject } from '../../src/conflict/engine/content-feed.js';
import type { ContentItemView, ContentKind, ContentStatus } from '../../src/conflict/engine/game-state.js';
import { cachedChronicle, unchangedFeed, withAddedContent, withReadyItems } from '../../src/conflict/engine/state-view.js';
import { flowTasks } from '../../src/conflict/flow/contracts.js';
import { metrics } from '../../src/observability/metrics.js';
import { openFeedItem } from '../support/feed.js';
import { eventually, startTestNyx, type Backend } from '../support/nyx-harness.js';
import { describeWithServices } from '../support/services.js';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, second)).toISOString();

function view(
  id: string,
  second: number,
  fields: { kind?: ContentKind; status?: ContentStatus; subject?: ContentSubject } = {},
): ContentItemView {
  return {
    id,
    kind: fields.kind ?? 'reaction',
    status: fields.status ?? 'generating',
    origin: 'fallback',
    text: 'f',
    fallbackText: 'f',
    subject: fields.subject ?? {},
    createdAt: at(second),
    stateVersion: 1,
  };
}

describe('standingInWindow', () => {
  const supersedable = { supersedable: true };

  it('knows nothing of an item outside the window: only the database tells an old item from a gone one', () => {
    expect(standingInWindow([view('a', 1)], 'b', supersedable)).toBeUndefined();
    expect(standingInWindow([], 'a', supersedable)).toBeUndefined();
  });

  it('calls an item that is no longer generating settled, whatever is newer', () => {
    for (const status of ['ready', 'failed'] as const) {
      const window = [view('newer', 2, { subject: { npcId: 1 } }), view('a', 1, { status, subject: { npcId: 1 } })];
      expect(standingInWindow(window, 'a', supersedable)).toBe('settled');
    }
  });

  it('supersedes a generating item by a newer one of its kind about the same subject that did not fail', () => {
    const window = [view('newer', 2, { subject: { npcId: 1 } }), view('a', 1, { subject: { npcId: 1 } })];
    expect(standingInWindow(window, 'a', supersedable)).toBe('superseded');
    expect(standingInWindow(window, 'newer', supersedable)).toBe('current');
    // A task that is not supersedable (each item says something of its own) is current all the same.
    expect(standingInWindow(window, 'a', { supersedable: false })).toBe('current');
    // A ready newer one supersedes too: the player has read the newer reaction.
    expect(standingInWindow([view('newer', 2, { status: 'ready', subject: { npcId: 1 } }), window[1]!], 'a', supersedable)).toBe(
      'superseded',
    );
  });

  it('keeps a generating item current when what is newer says nothing new about it', () => {
    const item = view('a', 5, { subject: { npcId: 1 } });
    const cases: Array<[string, ContentItemView]> = [
      ['failed', view('n', 6, { status: 'failed', subject: { npcId: 1 } })],
      ['another kind', view('n', 6, { kind: 'gossip', subject: { npcId: 1 } })],
      ['another subject', view('n', 6, { subject: { npcId: 2 } })],
      ['made at the same moment', view('n', 5, { subject: { npcId: 1 } })],
    ];
    for (const [why, newer] of cases) expect(standingInWindow([newer, item], 'a', supersedable), why).toBe('current');
    // Nor does an older item of the same subject supersede a newer one.
    expect(standingInWindow([item, view('old', 4, { subject: { npcId: 1 } })], 'a', supersedable)).toBe('current');
  });

  it('never supersedes an item with no subject: two such items are not about the same thing', () => {
    const window = [view('newer', 2), view('a', 1)];
    expect(standingInWindow(window, 'a', supersedable)).toBe('current');
  });

  it('compares subjects whatever the order of their keys', () => {
    const window = [view('newer', 2, { subject: { conflictId: 3, npcId: 1 } }), view('a', 1, { subject: { npcId: 1, conflictId: 3 } })];
    expect(standingInWindow(window, 'a', supersedable)).toBe('superseded');
  });
});

describe('withReadyItems', () => {
  it('puts each ready item in its place, newest first, and once', () => {
    const window = [view('c', 3), view('a', 1)];
    const added = [view('b', 2, { status: 'ready' }), view('d', 4, { status: 'ready' }), view('a', 1)];
    expect(withReadyItems(added)(window).map((item) => item.id)).toEqual(['d', 'c', 'b', 'a']);
  });

  it('leaves the window as it was when the job added nothing', () => {
    const window = [view('a', 1)];
    expect(withReadyItems([])(window)).toBe(window);
  });

  it('orders items made at the same moment by id, as the feed is read', () => {
    expect(withReadyItems([view('x', 1), view('z', 1)])([view('y', 1)]).map((item) => item.id)).toEqual(['z', 'y', 'x']);
  });
});

describe('withAddedContent', () => {
  const row = (second: number) => ({
    ...contentRow('g', { kind: 'reaction', stateVersion: 2 }, { status: 'generating', origin: 'fallback', text: null, fallbackText: 'f' }),
    createdAt: new Date(at(second)),
  });

  it("puts a save's items in front, newest first: a duplicate's item is gone, a refused one's has failed", () => {
    const [kept, duplicate, refused] = [row(10), row(11), row(12)];
    const window = [view('old', 1)];
    const changed = withAddedContent([kept, duplicate, refused], { discarded: [duplicate.id], failed: [refused.id] })(window);
    expect(changed.map((item) => [item.id, item.status, item.origin])).toEqual([
      [refused.id, 'failed', 'fallback'],
      [kept.id, 'generating', 'fallback'],
      ['old', 'generating', 'fallback'],
    ]);
  });

  it('shows each item once when the window it changes holds it already', () => {
    const added = row(10);
    const window = [contentItemView(added), view('old', 1)];
    expect(withAddedContent([added], { discarded: [], failed: [] })(window).map((item) => item.id)).toEqual([added.id, 'old']);
  });
});

/**
 * The slow path reads the feed window from the cache: the chronicle every writer writes through for
 * the game's current version. A job checks its item and reads its prompt's recent lines there, and
 * asks the database only when the item is not in it.
 */
function slowPathFeedWindow(backend: Backend) {
  let nyx: Nyx;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ nyx, stop } = await startTestNyx(backend, { LLM_SIM_LATENCY_MS: '30' }));
  }, 60_000);
  afterAll(async () => stop?.());
  afterEach(() => vi.restoreAllMocks());

  const idle = () =>
    eventually(
      () => nyx.queue.counts(),
      (counts) => counts.waiting + counts.active === 0,
      30_000,
      20,
    );
  const completions = async () => (await metrics.taskCompletions.get()).values.reduce((sum, value) => sum + value.value, 0);

  it('agrees with the database on every item in the window', async () => {
    const { gameId } = await nyx.engine.createGame({ scenario: 'village-well', seed: 61 });
    const item = (subject: ContentSubject, second: number, kind: ContentKind = 'reaction') =>
      openFeedItem(nyx.db, gameId, { kind, fallbackText: 'f', stateVersion: 1, subject, createdAt: new Date(Date.now() + second * 1_000) });
    const ids = [
      (await item({ npcId: 1 }, 1)).id,
      (await item({ npcId: 2 }, 2)).id,
      (await item({ npcId: 1 }, 3)).id,
      (await item({}, 4, 'gossip')).id,
      (await item({}, 5, 'gossip')).id,
      (await item({ npcId: 2 }, 6)).id,
    ];
    await nyx.feed.fail(ids[5]!);
    const window = await nyx.feed.recent(gameId);
    for (const id of ids)
      for (const supersedable of [true, false])
        expect(standingInWindow(window, id, { supersedable }), `${id}, supersedable ${supersedable}`).toBe(
          await nyx.feed.standing(id, { supersedable }),
        );
  });

  it('a job right after a choice checks its item and reads its recent lines in the cached window, with no query', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 62 });
    await idle();
    // As a player's client does before it chooses. (It also mends the cached window where two of
    // the game's writers raced: one moved the version on before the other wrote its own through.)
    await nyx.engine.getState(gameId);
    const standing = vi.spyOn(nyx.feed, 'standing');
    const recent = vi.spyOn(nyx.feed, 'recent');
    const done = await completions();
    const choice = state.choices.find((c) => c.targetNpcId !== undefined)!;
    await nyx.engine.makeChoice(gameId, choice.id);
    await idle();
    expect(await completions()).toBeGreaterThan(done);
    expect(standing).not.toHaveBeenCalled();
    expect(recent).not.toHaveBeenCalled();
  });

  it('a job whose window is not cached asks the database, and writes its item all the same', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well', seed: 63 });
    await idle();
    await nyx.engine.getState(gameId);
    const { id } = await openFeedItem(nyx.db, gameId, { kind: 'beat', fallbackText: 'f', stateVersion: 1 });
    expect(await nyx.cache.deleteKeys(cacheKeys.chronicle(gameId, (await nyx.heads.read(gameId))!.version))).toBe(1);
    const standing = vi.spyOn(nyx.feed, 'standing');
    const payload = {
      gameId,
      stateVersion: 1,
      conflictId: state.conflicts[0]!.id,
      beat: { id: 'b63', type: 'revelation' as const },
      contentId: id,
    };
    expect((await nyx.queue.dispatch(flowTasks.describeBeat.name, payload)).status).toBe('accepted');
    const written = await eventually(
      () => nyx.feed.find(id),
      (item) => item?.status === 'ready',
    );
    expect(written).toMatchObject({ status: 'ready', origin: 'generated' });
    expect(standing).toHaveBeenCalledWith(id, expect.anything());
  });

  describe('with a model that never answers in time: the test makes every write', () => {
    let quiet: Nyx;
    let stopQuiet: () => Promise<void>;
    beforeAll(async () => {
      ({ nyx: quiet, stop: stopQuiet } = await startTestNyx(backend, { LLM_SIM_LATENCY_MS: '120000' }));
    }, 60_000);
    afterAll(async () => stopQuiet?.());

    it("a new game's feed window is in the cache from its first version", async () => {
      const { gameId, state } = await quiet.engine.createGame({ scenario: 'village-well', seed: 64 });
      const chronicle = await cachedChronicle(quiet.cache, gameId, state.version);
      expect(chronicle?.content.map((item) => item.id)).toEqual(state.content.map((item) => item.id));
      expect(chronicle?.canon).toEqual([]);
    });

    it('ready items a job adds land with the version move, and the new chronicle is written through with them', async () => {
      const { gameId, state } = await quiet.engine.createGame({ scenario: 'village-well', seed: 65 });
      const window = (await cachedChronicle(quiet.cache, gameId, state.version))!.content;
      const row = contentRow(
        gameId,
        { kind: 'gossip', stateVersion: state.version, sourceKey: `g-${gameId}` },
        { status: 'ready', origin: 'generated', text: 'Word travels.', fallbackText: 'Word travels.' },
      );
      const { version, added } = await quiet.heads.addReady(gameId, [row], { change: unchangedFeed });
      expect(version).toBe(state.version + 1);
      expect(added.map((item) => [item.id, item.status, item.text])).toEqual([[row.id, 'ready', 'Word travels.']]);
      const chronicle = await cachedChronicle(quiet.cache, gameId, version);
      expect(chronicle?.content.map((item) => item.id)).toEqual([row.id, ...window.map((item) => item.id)]);
      expect(chronicle?.content[0]).toMatchObject({ status: 'ready', text: 'Word travels.' });
      // And the sync that follows reads it. (That sync may open scene gossip of its own in front.)
      const shown = (await quiet.engine.getState(gameId)).content.find((item) => item.id === row.id);
      expect(shown).toMatchObject({ status: 'ready', text: 'Word travels.' });
    });

    it('a redelivered job adds nothing twice: an item whose source key is in the feed is left out of the move and its chronicle', async () => {
      const { gameId, state } = await quiet.engine.createGame({ scenario: 'village-well', seed: 66 });
      const line = (text: string) =>
        contentRow(
          gameId,
          { kind: 'gossip', stateVersion: state.version, sourceKey: `r-${gameId}` },
          { status: 'ready', origin: 'generated', text, fallbackText: text },
        );
      const first = await quiet.heads.addReady(gameId, [line('Word travels.')], { change: unchangedFeed });
      const again = line('Word travels twice.');
      const second = await quiet.heads.addReady(gameId, [again], { change: unchangedFeed });
      expect(second.added).toEqual([]);
      expect(second.version).toBe(first.version + 1);
      const chronicle = await cachedChronicle(quiet.cache, gameId, second.version);
      expect(chronicle?.content.filter((item) => item.kind === 'gossip' && item.status === 'ready').map((item) => item.text)).toEqual([
        'Word travels.',
      ]);
      expect(await quiet.feed.find(again.id)).toBeUndefined();
    });

    it("a settle writes the job's own change through with the items it settled", async () => {
      const { gameId, state } = await quiet.engine.createGame({ scenario: 'village-well', seed: 67 });
      const { id } = await openFeedItem(quiet.db, gameId, { kind: 'beat', fallbackText: 'f', stateVersion: state.version });
      // The item was inserted behind the cache's back: a version of its own, read from the database once.
      await quiet.heads.bumpVersion(gameId);
      await quiet.engine.getState(gameId);
      const marker = view('marker', 59, { status: 'ready' });
      const settled = await quiet.heads.settleContents(gameId, [{ id, change: { status: 'ready', text: 'A beat.' } }], {
        change: withReadyItems([marker]),
      });
      const chronicle = await cachedChronicle(quiet.cache, gameId, settled!.version);
      expect(chronicle?.content.filter((item) => item.id === id || item.id === 'marker').map((item) => [item.id, item.text])).toEqual([
        [id, 'A beat.'],
        ['marker', 'f'],
      ]);
    });
  });
}

describe('the slow path reads the feed window on the embedded backend', () => slowPathFeedWindow('embedded'));
describeWithServices('the slow path reads the feed window on the distributed backend', ['redis', 'postgres'], () =>
  slowPathFeedWindow('distributed'),
);
