import { describe, expect, it } from 'vitest';
import { contentHash, contextHash, sceneHash, stableStringify, tensionSceneHash } from '../../../src/conflict/domain/hash.js';
import { TASK_PRIORITY } from '../../../src/conflict/domain/priorities.js';

const HEX16 = /^[0-9a-f]{16}$/;

describe('stableStringify', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(stableStringify({ b: 1, a: { d: [3, 1], c: null } })).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
  });

  it('drops undefined members and renders undefined array items as null, like JSON', () => {
    expect(stableStringify({ a: undefined, b: [undefined, 'x'] })).toBe('{"b":[null,"x"]}');
  });

  it('uses toJSON, so dates serialise as ISO strings', () => {
    expect(stableStringify({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
  });
});

describe('contextHash', () => {
  const context = { scene_id: 3, conflict_id: 7, stakeholder_ids: [1, 2], phase: 'rising' };

  it('is 16 hex characters and deterministic', () => {
    expect(contextHash(context)).toMatch(HEX16);
    expect(contextHash(context)).toBe(contextHash({ ...context }));
  });

  it('is the SHA-256 of the sorted JSON of the four keys', () => {
    expect(contextHash(context)).toBe(sceneHash({ conflict_id: 7, phase: 'rising', scene_id: 3, stakeholder_ids: [1, 2] }));
  });

  it('does not depend on key order', () => {
    expect(contextHash({ phase: 'rising', stakeholder_ids: [1, 2], conflict_id: 7, scene_id: 3 })).toBe(contextHash(context));
  });

  it('ignores other keys but not the values of its own', () => {
    expect(contextHash({ ...context, weather: 'rain', location: 'docks' })).toBe(contextHash(context));
    expect(contextHash({ ...context, phase: 'climax' })).not.toBe(contextHash(context));
    expect(contextHash({ ...context, stakeholder_ids: [2, 1] })).not.toBe(contextHash(context));
  });

  it('hashes only the keys present', () => {
    expect(contextHash({ conflict_id: 7 })).toBe(sceneHash({ conflict_id: 7 }));
    expect(contextHash({ conflict_id: 7 })).not.toBe(contextHash({ conflict_id: 7, phase: 'rising' }));
  });

  it('reads sceneId as scene_id', () => {
    expect(contextHash({ sceneId: 3, conflict_id: 7 })).toBe(contextHash({ scene_id: 3, conflict_id: 7 }));
  });
});

describe('scene and content hashes', () => {
  it('hashes a whole payload independently of key order', () => {
    const hash = sceneHash({ npcs: [1, 2], location: 'well', nested: { y: 1, x: 2 } });
    expect(hash).toMatch(HEX16);
    expect(sceneHash({ nested: { x: 2, y: 1 }, location: 'well', npcs: [1, 2] })).toBe(hash);
    expect(sceneHash({ nested: { x: 2, y: 1 }, location: 'well', npcs: [1, 3] })).not.toBe(hash);
  });

  it('builds the tension scene hash from scene_id, location, npcs_present and conflict_ids only', () => {
    const scene = { scene_id: 1, location: 'market', npcs_present: [4, 5], conflict_ids: [9] };
    expect(tensionSceneHash({ ...scene, time_of_day: 'dusk' })).toBe(sceneHash(scene));
    expect(tensionSceneHash({ ...scene, location: 'harbour' })).not.toBe(tensionSceneHash(scene));
  });

  it('hashes content as the SHA-256 prefix of its text', () => {
    // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    expect(contentHash('abc')).toBe('ba7816bf8f01cfea');
  });
});

describe('TASK_PRIORITY', () => {
  it('serves reactions before stressed actions before everything else', () => {
    expect(TASK_PRIORITY).toEqual({ reaction: 8, highStressAction: 7, action: 5, narration: 5 });
  });
});
