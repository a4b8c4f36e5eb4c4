import { dispatchContent } from '../../../src/conflict/engine/content-dispatch.js';
import type { HandlerContext } from '../../../src/conflict/engine/handler-context.js';
import type { StateContributions } from '../../../src/conflict/engine/game-state.js';
import type { EventHandlers } from '../../../src/conflict/engine/synthesizer.js';
import { weatherTasks, type Sky } from './contracts.js';

declare module '../../../src/conflict/engine/game-state.js' {
  interface StateContributions {
    /** Added by the weather subsystem: how the sky looks after the player's last turn. */
    weather?: { sky: Sky };
  }
}

/** The sky follows the scene's mood: a rule of the game's own, no model. */
export function skyAfter(choiceType: string): Sky {
  if (choiceType === 'aggressive' || choiceType === 'confrontational' || choiceType === 'escalating') return 'storm';
  if (choiceType === 'diplomatic' || choiceType === 'supportive') return 'clear';
  return 'overcast';
}

export const weatherHandlers: EventHandlers<HandlerContext> = {
  async player_choice(event, ctx) {
    const sky = skyAfter(event.payload.choiceType);
    await ctx.cache.setJson(skyKey(ctx.snapshot.game.id), sky);
    const queued = dispatchContent(ctx, { kind: 'narration', fallbackText: `The sky turns ${sky}.` }, weatherTasks.describeSky, { sky });
    return { data: { sky, queued } };
  },
};

const skyKey = (gameId: string) => `game:${gameId}:weather:sky`;

/** The weather part of the state: the sky the last turn left, clear before any. */
export async function weatherView(ctx: HandlerContext): Promise<Pick<StateContributions, 'weather'>> {
  return { weather: { sky: (await ctx.cache.getJson<Sky>(skyKey(ctx.snapshot.game.id))) ?? 'clear' } };
}
