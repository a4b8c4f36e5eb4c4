import type { TurnProseOutput } from '../../gateway/index.js';
import { metrics } from '../../observability/metrics.js';
import { flowTasks } from '../flow/contracts.js';
import { transitionTypeOf } from '../flow/slow-path.js';
import type { PlannedMove, TaskContext } from '../slow-path/task-context.js';
import { implement, type TaskImplementation } from '../slow-path/task-implementation.js';
import { stakeholderTasks } from '../stakeholders/contracts.js';
import { describe, reactionResult, recentEvents, sceneAround, stakeholderOf } from '../stakeholders/slow-path.js';
import type { AnyTaskContract, MadeFor, ParsedPayloadOf, TaskPart } from '../tasks/task-contract.js';
import { turnTasks } from './contracts.js';

/**
 * The turn's worker: one `turn_prose` call for the parts the runner found still worth writing, each
 * piece then written where its own task would write it (a reaction planned and shown, a narration
 * shown). A piece the answer leaves out is sent as its own task, so its item is still written.
 */

type Piece = 'reaction' | 'narration' | 'beat';

/** The parts of `contract`, read as its own payload. */
function partsOf<C extends AnyTaskContract>(parts: readonly TaskPart[], contract: C): Array<ParsedPayloadOf<C>> {
  return parts.filter((part) => part.name === contract.name).map((part) => contract.payload.parse(part.payload) as ParsedPayloadOf<C>);
}

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Which of the answer's reactions is the reactor's: the first with their name not taken yet; failing
 * that, the one in their place in the list, when its name is nobody's (a small model that misspells
 * a name still answers in order).
 */
export function reactionFor(
  answer: TurnProseOutput['reactions'],
  name: string,
  position: number,
  names: readonly string[],
  taken: Set<number>,
): TurnProseOutput['reactions'][number] | undefined {
  let index = answer.findIndex((reaction, i) => !taken.has(i) && sameName(reaction.name, name));
  const inPlace = answer[position];
  if (index < 0 && inPlace && !taken.has(position) && !names.some((other) => sameName(other, inPlace.name))) index = position;
  if (index < 0) return undefined;
  taken.add(index);
  return answer[index];
}

async function sendAlone(ctx: TaskContext, contract: AnyTaskContract, payload: MadeFor, piece: Piece): Promise<void> {
  metrics.turnPieces.inc({ piece, outcome: 'sent_alone' });
  await ctx.dispatcher.send(contract, payload);
}

export const turnSlowPath: readonly TaskImplementation[] = [
  implement(turnTasks.writeTurn, async (payload, ctx) => {
    const reactions = partsOf(payload.parts, stakeholderTasks.generateReaction);
    const [phase] = partsOf(payload.parts, flowTasks.narratePhaseTransition);
    const [beat] = partsOf(payload.parts, flowTasks.describeBeat);
    const reactors = reactions.map((reaction) => stakeholderOf(ctx, reaction.stakeholderId));
    const anchor = reactors[0] ?? ctx.snapshot.stakeholdersOf(payload.conflictId)[0];
    const answer = await ctx.generate('turn_prose', {
      conflict: ctx.conflictSnapshot(payload.conflictId),
      scene: anchor ? sceneAround(ctx, anchor) : { location: ctx.locationOf(payload.conflictId), others: [] },
      playerChoice: { label: payload.choice.label, type: payload.choice.type },
      recentEvents: await recentEvents(ctx),
      reactors: reactors.map((stakeholder) => describe(ctx, stakeholder)),
      ...(phase
        ? {
            phaseChange: {
              fromPhase: phase.fromPhase,
              toPhase: phase.toPhase,
              transitionType: transitionTypeOf(phase.fromPhase, phase.toPhase),
            },
          }
        : {}),
      ...(beat
        ? { beat: { id: beat.beat.id, type: beat.beat.type, ...(beat.beat.impact !== undefined ? { impact: beat.beat.impact } : {}) } }
        : {}),
    });
    const names = reactors.map((stakeholder) => ctx.snapshot.npcName(stakeholder.npcId));
    const taken = new Set<number>();
    const moves: Array<{ move: PlannedMove; piece: string }> = [];
    const lines: Array<{ contentId: string | undefined; text: string; piece: Piece }> = [];
    for (const [position, part] of reactions.entries()) {
      const reaction = reactionFor(answer.reactions, names[position]!, position, names, taken);
      if (!reaction) {
        await sendAlone(ctx, stakeholderTasks.generateReaction, part, 'reaction');
        continue;
      }
      const { name: _name, ...written } = reaction;
      const { move, line } = reactionResult(ctx, part, written);
      moves.push({ move, piece: `reaction:${part.stakeholderId}` });
      lines.push({ ...line, piece: 'reaction' });
    }
    for (const [part, text, contract, piece] of [
      [phase, answer.phase_narration, flowTasks.narratePhaseTransition, 'narration'],
      [beat, answer.beat, flowTasks.describeBeat, 'beat'],
    ] as const) {
      if (!part) continue;
      if (text === null) await sendAlone(ctx, contract, part, piece);
      else lines.push({ contentId: part.contentId, text, piece });
    }
    // An answer that held none of the pieces wrote nothing: each is now its own task.
    if (lines.length === 0) return { status: 'stale', reason: 'the answer held none of the pieces; each was sent as its own task' };
    // The turn lands at once: its moves in one statement, its lines and one version in another.
    ctx.planAll(moves);
    await ctx.completeAll(lines);
    for (const { piece } of lines) metrics.turnPieces.inc({ piece, outcome: 'written' });
    return { status: 'written' };
  }),
];
