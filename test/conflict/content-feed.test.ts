import { describe, expect, it } from 'vitest';
import { contentItemView, contentRow } from '../../src/conflict/engine/content-feed.js';

describe('a feed row and its view', () => {
  const row = (status: 'generating' | 'ready' | 'failed', text: string | null) => ({
    ...contentRow('g', { kind: 'reaction', stateVersion: 3 }, { status, origin: 'fallback', text, fallbackText: 'The rule line.' }),
    createdAt: new Date('2026-12-03T10:00:00.000Z'),
  });

  it('contentItemView shows the written text only once the item is ready, the fallback otherwise', () => {
    expect(contentItemView(row('ready', 'The written line.')).text).toBe('The written line.');
    // A text that reached an item after it settled, or before it was marked ready, is not shown.
    expect(contentItemView(row('failed', 'A late line.')).text).toBe('The rule line.');
    expect(contentItemView(row('generating', 'A half line.')).text).toBe('The rule line.');
    expect(contentItemView(row('ready', null)).text).toBe('The rule line.');
    expect(contentItemView(row('ready', 'x'))).toMatchObject({ createdAt: '2026-12-03T10:00:00.000Z', stateVersion: 3, kind: 'reaction' });
  });

  it('contentRow keeps the context hash it is given, and null without one', () => {
    const content = { status: 'generating', origin: 'fallback', text: null, fallbackText: 'f' } as const;
    expect(contentRow('g', { kind: 'beat', stateVersion: 1, contextHash: 'h1' }, content).contextHash).toBe('h1');
    expect(contentRow('g', { kind: 'beat', stateVersion: 1 }, content).contextHash).toBeNull();
  });
});
