import type { TurnProseOutput } from '../../kinds/turn-prose.js';
import type { Composer } from './composer.js';
import { composeBeatProse, composePhaseNarration } from './flow.js';
import { composeStakeholderReaction } from './stakeholders.js';

/**
 * A whole turn, written as its pieces would be one by one: each reactor's reaction, then the phase's
 * narration and the beat when they are asked for. Each piece counts as read for the ones after it,
 * so the pieces of a turn vary their wording against each other as well as against the recent lines.
 */
export const composeTurnProse: Composer<'turn_prose'> = (input, g, setting) => {
  const names = [...input.reactors.map((reactor) => reactor.name), ...input.scene.others];
  const { conflict, scene, playerChoice, recentEvents, phaseChange, beat } = input;
  const written = <T extends string>(text: T): T => {
    g.alsoRead([text]);
    return text;
  };
  const reactions: TurnProseOutput['reactions'] = input.reactors.map((stakeholder) => {
    const reaction = composeStakeholderReaction({ stakeholder, conflict, scene, playerChoice, recentEvents }, g, setting);
    return { name: stakeholder.name, ...reaction, description: written(reaction.description) };
  });
  const { phase: _phase, ...unphased } = conflict;
  return {
    reactions,
    phase_narration: phaseChange
      ? written(
          composePhaseNarration({ conflict: unphased, ...phaseChange, stakeholders: names, location: scene.location }, g, setting).text,
        )
      : null,
    beat: beat ? written(composeBeatProse({ conflict, beat, stakeholders: names, location: scene.location }, g, setting).text) : null,
  };
};
