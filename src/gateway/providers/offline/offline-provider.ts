import type { Kind } from '../../kinds/index.js';
import { estimateTokens, type Completion, type CompletionRequest, type ModelProvider } from '../model-provider.js';
import { composeCanonRecord, composeCanonReferences, composeLoreCheck } from './canon.js';
import type { Composer } from './composer.js';
import { composeBeatProse, composePhaseNarration } from './flow.js';
import { Grammar } from './grammar.js';
import { familiarity, openingCounts } from './openings.js';
import { composeAllianceTerms, composeGossip, composeReputationNarration } from './social.js';
import { composeRoleAdaptation, composeStakeholderAction, composeStakeholderProfile, composeStakeholderReaction } from './stakeholders.js';
import { composeEscalationNarration, composeTensionManifestations } from './tension.js';
import { composeTurnProse } from './turn.js';

const composers: { [K in Kind]: Composer<K> } = {
  stakeholder_action: composeStakeholderAction,
  stakeholder_reaction: composeStakeholderReaction,
  stakeholder_profile: composeStakeholderProfile,
  role_adaptation: composeRoleAdaptation,
  phase_narration: composePhaseNarration,
  beat_prose: composeBeatProse,
  gossip: composeGossip,
  reputation_narration: composeReputationNarration,
  alliance_terms: composeAllianceTerms,
  canon_record: composeCanonRecord,
  canon_references: composeCanonReferences,
  lore_check: composeLoreCheck,
  tension_manifestations: composeTensionManifestations,
  escalation_narration: composeEscalationNarration,
  turn_prose: composeTurnProse,
};

export const offlineModel = 'nyx-offline-grammar-1';

/**
 * Drafts written for one answer at most. A grammar keeps its stock phrases fresh, but a sentence
 * can still open the way several recent lines did ("Under a pale moon, …"); the writer drafts again
 * and keeps the least familiar draft, the first that opens no sentence the reader has just read.
 */
const MAX_DRAFTS = 4;

/**
 * The default provider: writes every kind's answer from hand-made grammars in the scenario's own
 * words, with no network. The same seed, kind, input and recent lines always give the same answer.
 */
export class OfflineProvider implements ModelProvider {
  readonly name = 'offline';

  modelFor(): string {
    return offlineModel;
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const key = `${request.seed ?? 0}|${request.kind}|${JSON.stringify(request.input)}`;
    const compose = composers[request.kind] as Composer<Kind>;
    const recentOpenings = openingCounts(request.recent ?? []);
    let value: unknown;
    let leastFamiliar = Number.POSITIVE_INFINITY;
    for (let draft = 0; draft < MAX_DRAFTS && leastFamiliar > 0; draft++) {
      const candidate = compose(
        request.input as never,
        new Grammar(draft === 0 ? key : `${key}|draft ${draft}`, request.recent),
        request.setting,
      );
      const score = familiarity(candidate, recentOpenings);
      if (score < leastFamiliar) [value, leastFamiliar] = [candidate, score];
    }
    return {
      answer: { type: 'json', value },
      model: offlineModel,
      promptTokens: estimateTokens(request.prompt.system + request.prompt.data),
      outputTokens: estimateTokens(JSON.stringify(value)),
    };
  }
}
