import { describe, expect, it } from 'vitest';
import { fallbackLine } from '../../src/conflict/engine/fallback-lines.js';
import type { HandlerContext } from '../../src/conflict/engine/handler-context.js';
import { GameSnapshot } from '../../src/conflict/store/game-snapshot.js';

const phrasings = ['one', 'two', 'three'];

function game(): GameSnapshot {
  const record = { id: 'g', version: 7, entitiesVersion: 0 } as unknown as GameSnapshot['game'];
  return new GameSnapshot(record, new Map(), new Map(), new Map(), new Map(), new Map());
}

const requestOn = (snapshot: GameSnapshot) => ({ snapshot }) as unknown as HandlerContext;

describe('fallbackLine', () => {
  it('takes a kind’s phrasings in turn across the requests of a game, so n phrasings never repeat within n lines', () => {
    const snapshot = game();
    expect([1, 2].map(() => fallbackLine(requestOn(snapshot), 'reputation', phrasings))).toEqual(['one', 'two']);
    expect(fallbackLine(requestOn(snapshot), 'gossip', phrasings)).toBe('one'); // each kind turns on its own
    expect([1, 2].map(() => fallbackLine(requestOn(snapshot), 'reputation', phrasings))).toEqual(['three', 'one']);
  });

  it('keeps its place through the snapshot cache, and starts over for a snapshot cached before it counted', () => {
    const fresh = game();
    const snapshot = GameSnapshot.fromStored(fresh.game, fresh.toStored());
    expect(snapshot.needsCaching).toBe(false);
    fallbackLine(requestOn(snapshot), 'reaction', phrasings);
    expect(snapshot.needsCaching).toBe(true);
    const stored = snapshot.toStored();
    expect(fallbackLine(requestOn(GameSnapshot.fromStored(snapshot.game, stored)), 'reaction', phrasings)).toBe('two');
    const { ruleLinesTaken: _, ...older } = stored;
    expect(fallbackLine(requestOn(GameSnapshot.fromStored(snapshot.game, older)), 'reaction', phrasings)).toBe('one');
  });
});
