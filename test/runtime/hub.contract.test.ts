import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ContentEvent, ContentHub } from '../../src/runtime/hub/content-hub.js';
import { InProcessHub } from '../../src/runtime/hub/in-process-hub.js';
import { RedisHub } from '../../src/runtime/hub/redis-hub.js';
import { describeWithServices, redisUrl, uniquePrefix } from '../support/services.js';

function contentEvent(gameId: string, id: string, extra: Record<string, unknown> = {}): ContentEvent {
  return { gameId, kind: 'gossip', id, status: 'ready', origin: 'generated', ...extra };
}

/** Waits until `received` holds `count` events; Redis delivers asynchronously. */
async function untilReceived(received: ContentEvent[], count: number): Promise<void> {
  await vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(count), { timeout: 5_000, interval: 10 });
}

async function openRedisHub(keyPrefix: string): Promise<RedisHub> {
  const hub = new RedisHub({ url: redisUrl!, keyPrefix });
  await hub.whenReady();
  return hub;
}

const backends = [
  { name: 'InProcessHub', needs: [] as const, open: async (): Promise<ContentHub> => new InProcessHub() },
  { name: 'RedisHub', needs: ['redis'] as const, open: (): Promise<ContentHub> => openRedisHub(uniquePrefix('hub')) },
];

for (const backend of backends) {
  describeWithServices(`ContentHub contract: ${backend.name}`, [...backend.needs], () => {
    let hub: ContentHub;

    beforeAll(async () => {
      hub = await backend.open();
    });

    afterAll(async () => {
      await hub.close();
    });

    it('delivers a game’s events to its subscribers only, and every event to subscribeAll', async () => {
      const gameA: ContentEvent[] = [];
      const everything: ContentEvent[] = [];
      const stopA = hub.subscribe('game-a', (event) => gameA.push(event));
      const stopAll = hub.subscribeAll((event) => everything.push(event));

      await hub.publish(contentEvent('game-a', 'a1'));
      await hub.publish(contentEvent('game-b', 'b1'));
      await hub.publish(contentEvent('game-a', 'a2', { text: 'The dockhands whisper.' }));
      await untilReceived(everything, 3);

      expect(everything.map((event) => event.id)).toEqual(['a1', 'b1', 'a2']);
      expect(gameA).toEqual([contentEvent('game-a', 'a1'), contentEvent('game-a', 'a2', { text: 'The dockhands whisper.' })]);
      stopA();
      stopAll();
    });

    it('stops delivering to a listener once it unsubscribes', async () => {
      const unsubscribed: ContentEvent[] = [];
      const witness: ContentEvent[] = [];
      const stop = hub.subscribe('game-c', (event) => unsubscribed.push(event));
      const stopWitness = hub.subscribe('game-c', (event) => witness.push(event));

      await hub.publish(contentEvent('game-c', 'before'));
      await untilReceived(witness, 1);
      stop();
      await hub.publish(contentEvent('game-c', 'after'));
      // Events arrive in order, so once the witness has the second one, the first listener had its chance.
      await untilReceived(witness, 2);

      expect(unsubscribed.map((event) => event.id)).toEqual(['before']);
      stopWitness();
    });

    it('keeps delivering to other listeners when one throws', async () => {
      const received: ContentEvent[] = [];
      const stopFaulty = hub.subscribe('game-d', () => {
        throw new Error('listener bug');
      });
      const stop = hub.subscribe('game-d', (event) => received.push(event));

      await expect(hub.publish(contentEvent('game-d', 'd1'))).resolves.toBeUndefined();
      await untilReceived(received, 1);
      expect(received[0]?.id).toBe('d1');
      stopFaulty();
      stop();
    });
  });
}

describeWithServices('RedisHub across processes', ['redis'], () => {
  let worker: RedisHub;
  let web: RedisHub;
  let otherDeployment: RedisHub;

  beforeAll(async () => {
    const keyPrefix = uniquePrefix('hub-shared');
    [worker, web, otherDeployment] = await Promise.all([openRedisHub(keyPrefix), openRedisHub(keyPrefix), openRedisHub(uniquePrefix('hub-other'))]);
  });

  afterAll(async () => {
    await Promise.all([worker.close(), web.close(), otherDeployment.close()]);
  });

  it('delivers an event published by one hub to the listeners of another, within one key prefix', async () => {
    const received: ContentEvent[] = [];
    const strayed: ContentEvent[] = [];
    web.subscribe('harbour', (event) => received.push(event));
    otherDeployment.subscribeAll((event) => strayed.push(event));

    const event = contentEvent('harbour', 'rumour-1', { kind: 'narration', status: 'generating', origin: 'fallback', beat: 3 });
    await worker.publish(event);
    await untilReceived(received, 1);

    expect(received).toEqual([event]);
    // Redis runs commands in order: the other deployment sees its own later event, and nothing before it.
    await otherDeployment.publish(contentEvent('harbour', 'own'));
    await untilReceived(strayed, 1);
    expect(strayed.map((e) => e.id)).toEqual(['own']);
  });
});

describe('RedisHub with Redis unreachable', () => {
  it('publishes without throwing and closes cleanly', async () => {
    const hub = new RedisHub({ url: 'redis://127.0.0.1:1' });
    await expect(hub.publish(contentEvent('game-x', 'x1'))).resolves.toBeUndefined();
    await expect(hub.close()).resolves.toBeUndefined();
  });
});
