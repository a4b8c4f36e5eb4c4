import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ContentEvent, ContentHub, LoggedEvent } from '../../src/runtime/hub/content-hub.js';
import { EventId } from '../../src/runtime/hub/event-id.js';
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

async function openRedisHub(keyPrefix: string, logLength?: number): Promise<RedisHub> {
  const hub = new RedisHub({ url: redisUrl!, keyPrefix, ...(logLength === undefined ? {} : { logLength }) });
  await hub.whenReady();
  return hub;
}

/** Log length of the contract's hubs: small, so trimming shows with a few hundred events. */
const LOG_LENGTH = 5;

const backends = [
  { name: 'InProcessHub', needs: [] as const, open: async (): Promise<ContentHub> => new InProcessHub({ logLength: LOG_LENGTH }) },
  { name: 'RedisHub', needs: ['redis'] as const, open: (): Promise<ContentHub> => openRedisHub(uniquePrefix('hub'), LOG_LENGTH) },
];

const idsOf = (logged: LoggedEvent[]) => logged.map(({ event }) => event.id);

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
      const stopA = hub.subscribe('game-a', ({ event }) => gameA.push(event));
      const stopAll = hub.subscribeAll(({ event }) => everything.push(event));

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
      const stop = hub.subscribe('game-c', ({ event }) => unsubscribed.push(event));
      const stopWitness = hub.subscribe('game-c', ({ event }) => witness.push(event));

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
      const stop = hub.subscribe('game-d', ({ event }) => received.push(event));

      await expect(hub.publish(contentEvent('game-d', 'd1'))).resolves.toBeUndefined();
      await untilReceived(received, 1);
      expect(received[0]?.id).toBe('d1');
      stopFaulty();
      stop();
    });

    it('gives every event of a game an increasing id, the same to every listener', async () => {
      const first: LoggedEvent[] = [];
      const second: LoggedEvent[] = [];
      const stopFirst = hub.subscribe('game-e', (logged) => first.push(logged));
      const stopSecond = hub.subscribe('game-e', (logged) => second.push(logged));
      await Promise.all(Array.from({ length: 20 }, (_, i) => hub.publish(contentEvent('game-e', `e${i}`))));
      await vi.waitFor(() => expect(second).toHaveLength(20), { timeout: 5_000, interval: 10 });

      for (let i = 1; i < first.length; i++) expect(first[i]!.id.isAfter(first[i - 1]!.id)).toBe(true);
      expect(second.map(({ id }) => id.toString())).toEqual(first.map(({ id }) => id.toString()));
      stopFirst();
      stopSecond();
    });

    it('replays the events after an id, exactly once and in order, with the ids they were delivered with', async () => {
      const live: LoggedEvent[] = [];
      const stop = hub.subscribe('game-f', (logged) => live.push(logged));
      for (const id of ['f1', 'f2', 'f3', 'f4']) await hub.publish(contentEvent('game-f', id));
      await vi.waitFor(() => expect(live).toHaveLength(4), { timeout: 5_000, interval: 10 });

      const afterSecond = await hub.readAfter('game-f', live[1]!.id);
      expect(idsOf(afterSecond)).toEqual(['f3', 'f4']);
      expect(afterSecond.map(({ id }) => id.toString())).toEqual(live.slice(2).map(({ id }) => id.toString()));
      expect(await hub.readAfter('game-f', live[3]!.id)).toEqual([]);
      expect(idsOf(await hub.readAfter('game-f', EventId.ZERO))).toEqual(['f1', 'f2', 'f3', 'f4']);
      expect(await hub.readAfter('game-never-published', EventId.ZERO)).toEqual([]);
      stop();
    });

    it('keeps the last logLength events of a game, each game its own', async () => {
      for (let i = 0; i < 300; i++) await hub.publish(contentEvent('game-g', `g${i}`));
      await hub.publish(contentEvent('game-h', 'h0'));

      const kept = await hub.readAfter('game-g', EventId.ZERO);
      expect(idsOf(kept)).toEqual(['g295', 'g296', 'g297', 'g298', 'g299']);
      expect(idsOf(await hub.readAfter('game-h', EventId.ZERO))).toEqual(['h0']);
    });
  });
}

describeWithServices('RedisHub across processes', ['redis'], () => {
  let worker: RedisHub;
  let web: RedisHub;
  let otherDeployment: RedisHub;

  beforeAll(async () => {
    const keyPrefix = uniquePrefix('hub-shared');
    [worker, web, otherDeployment] = await Promise.all([
      openRedisHub(keyPrefix),
      openRedisHub(keyPrefix),
      openRedisHub(uniquePrefix('hub-other')),
    ]);
  });

  afterAll(async () => {
    await Promise.all([worker.close(), web.close(), otherDeployment.close()]);
  });

  it('delivers an event published by one hub to the listeners of another, within one key prefix', async () => {
    const received: ContentEvent[] = [];
    const strayed: ContentEvent[] = [];
    web.subscribe('harbour', ({ event }) => received.push(event));
    otherDeployment.subscribeAll(({ event }) => strayed.push(event));

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

describeWithServices('RedisHub event ids across processes', ['redis'], () => {
  it('orders the events several processes publish to one game the same way for every reader', async () => {
    const keyPrefix = uniquePrefix('hub-order');
    const hubs = await Promise.all([1, 2, 3, 4].map(() => openRedisHub(keyPrefix)));
    const [workerA, workerB, webA, webB] = hubs as [RedisHub, RedisHub, RedisHub, RedisHub];
    try {
      const onA: LoggedEvent[] = [];
      const onB: LoggedEvent[] = [];
      webA.subscribe('pier', (logged) => onA.push(logged));
      webB.subscribe('pier', (logged) => onB.push(logged));
      await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? workerA : workerB).publish(contentEvent('pier', `p${i}`))));
      await vi.waitFor(() => expect(onB).toHaveLength(40), { timeout: 5_000, interval: 10 });
      await vi.waitFor(() => expect(onA).toHaveLength(40), { timeout: 5_000, interval: 10 });

      const asText = (logged: LoggedEvent[]) => logged.map(({ id, event }) => `${id.toString()} ${event.id}`);
      expect(asText(onB)).toEqual(asText(onA));
      for (let i = 1; i < onA.length; i++) expect(onA[i]!.id.isAfter(onA[i - 1]!.id)).toBe(true);
      // The log the other web process replays from is the order both saw live.
      expect(asText(await webB.readAfter('pier', EventId.ZERO))).toEqual(asText(onA));
    } finally {
      await Promise.all(hubs.map((hub) => hub.close()));
    }
  });
});

describeWithServices('RedisHub after its subscription drops', ['redis'], () => {
  it('delivers what was published while it reconnected, once and in order, before newer events', async () => {
    const keyPrefix = uniquePrefix('hub-drop');
    const [worker, web] = await Promise.all([openRedisHub(keyPrefix), openRedisHub(keyPrefix)]);
    const admin = new Redis(redisUrl!);
    try {
      const received: string[] = [];
      web.subscribe('quay', ({ event }) => received.push(event.id));
      await worker.publish(contentEvent('quay', 'q1'));
      await vi.waitFor(() => expect(received).toEqual(['q1']), { timeout: 5_000, interval: 10 });

      // Only this test's own subscriptions (both hubs'), found by their unique name: the Redis is shared.
      const clients = String(await admin.client('LIST'));
      const ids = clients
        .split('\n')
        .filter((entry) => entry.includes(` name=${keyPrefix}nyx-hub-subscriber `))
        .map((entry) => /\bid=(\d+)/.exec(entry)?.[1]);
      expect(ids, clients).toHaveLength(2);
      for (const id of ids) await admin.client('KILL', 'ID', id!);
      // Published while the subscription is down: pub/sub alone would lose these.
      await worker.publish(contentEvent('quay', 'q2'));
      await worker.publish(contentEvent('quay', 'q3'));

      await vi.waitFor(() => expect(received).toEqual(['q1', 'q2', 'q3']), { timeout: 10_000, interval: 20 });
      await worker.publish(contentEvent('quay', 'q4'));
      await vi.waitFor(() => expect(received).toEqual(['q1', 'q2', 'q3', 'q4']), { timeout: 5_000, interval: 10 });
    } finally {
      admin.disconnect();
      await Promise.all([worker.close(), web.close()]);
    }
  });
});

describe('RedisHub with Redis unreachable', () => {
  it('publishes without throwing and closes cleanly', async () => {
    const hub = new RedisHub({ url: 'redis://127.0.0.1:1' });
    await expect(hub.publish(contentEvent('game-x', 'x1'))).resolves.toBeUndefined();
    await expect(hub.close()).resolves.toBeUndefined();
  });
});
