import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { GameLanes } from '../../src/conflict/engine/game-lanes.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** A piece of work that writes down when it starts and ends, and answers its name. */
const traced = (trace: string[], name: string) => async () => {
  trace.push(`${name} start`);
  await tick();
  trace.push(`${name} end`);
  return name;
};

describe('GameLanes', () => {
  it("runs a game's work one piece at a time, in the order it came", async () => {
    const lanes = new GameLanes();
    const trace: string[] = [];
    const piece = (name: string) => traced(trace, name);
    const results = await Promise.all([lanes.run('g', piece('a')), lanes.run('g', piece('b')), lanes.run('g', piece('c'))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(trace).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('runs two games side by side', async () => {
    const lanes = new GameLanes();
    const trace: string[] = [];
    const piece = (name: string) => traced(trace, name);
    await Promise.all([lanes.run('g1', piece('a')), lanes.run('g2', piece('b'))]);
    expect(trace.slice(0, 2)).toEqual(['a start', 'b start']);
  });

  it("runs each piece in its sender's async context, not in the one that ran before it", async () => {
    const lanes = new GameLanes();
    const request = new AsyncLocalStorage<string>();
    const seen = await Promise.all(
      ['first', 'second', 'third'].map((name) =>
        request.run(name, () =>
          lanes.run('g', async () => {
            await tick();
            return request.getStore();
          }),
        ),
      ),
    );
    expect(seen).toEqual(['first', 'second', 'third']);
  });

  it('goes on after a piece fails, and hands the failure to its sender alone', async () => {
    const lanes = new GameLanes();
    const failed = lanes.run('g', async () => {
      throw new Error('boom');
    });
    const next = lanes.run('g', async () => 'after');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('after');
  });

  it('forgets a game once its lane is idle, so an idle game costs nothing', async () => {
    const lanes = new GameLanes();
    const open = () => (lanes as unknown as { lanes: Map<string, unknown> }).lanes;
    const running = lanes.run('g', tick);
    expect(open().has('g')).toBe(true);
    await running;
    await tick();
    expect(open().size).toBe(0);
  });
});
