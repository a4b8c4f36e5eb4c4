import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Nyx } from '../../src/app/nyx.js';
import { GameError } from '../../src/conflict/engine/game-errors.js';
import type { ContentItemView } from '../../src/conflict/engine/game-state.js';
import { eventually, startTestNyx, type Backend } from '../support/nyx-harness.js';
import { describeWithServices } from '../support/services.js';

/**
 * The whole story read back a page at a time: every item once, newest first, on both backends,
 * including the items one request adds together (they share their creation time).
 */
function readsTheWholeStory(backend: Backend): void {
  let nyx: Nyx;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ nyx, stop } = await startTestNyx(backend));
  }, 120_000);
  afterAll(async () => stop?.());

  it('pages through every item once, newest first, and refuses a cursor it did not hand out', async () => {
    const { gameId, state } = await nyx.engine.createGame({ scenario: 'village-well' });
    let choices = state.choices;
    for (let turn = 0; turn < 6; turn++)
      ({
        state: { choices },
      } = await nyx.engine.makeChoice(gameId, choices[turn % choices.length]!.id));

    // Once the background jobs are done the story stops growing, and the pages can be compared with it.
    let previous = '';
    const everything = await eventually(
      () => nyx.engine.readFeed(gameId, { limit: 100 }),
      (page) => {
        const now = JSON.stringify(page);
        const quiet = now === previous && page.items.every((item) => item.status !== 'generating');
        previous = now;
        return quiet;
      },
      60_000,
      500,
    );
    expect(everything.next).toBeNull();
    expect(everything.items.length).toBeGreaterThan(12);

    const paged: ContentItemView[] = [];
    let before: string | undefined;
    let pages = 0;
    do {
      const page = await nyx.engine.readFeed(gameId, before === undefined ? { limit: 4 } : { before, limit: 4 });
      expect(page.items.length).toBeLessThanOrEqual(4);
      paged.push(...page.items);
      before = page.next ?? undefined;
      pages++;
    } while (before !== undefined && pages < 100);
    expect(paged.map((item) => item.id)).toEqual(everything.items.map((item) => item.id));
    const times = paged.map((item) => Date.parse(item.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    for (const cursor of ['nonsense', Buffer.from('[1,2]').toString('base64url'), Buffer.from('[-1,"x"]').toString('base64url')]) {
      const refused = await nyx.engine.readFeed(gameId, { before: cursor, limit: 4 }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(GameError);
      expect((refused as GameError).field).toBe('before');
    }
  }, 120_000);
}

describe('the story feed on the embedded backend', () => readsTheWholeStory('embedded'));
describeWithServices('the story feed on the distributed backend', ['redis', 'postgres'], () => readsTheWholeStory('distributed'));
