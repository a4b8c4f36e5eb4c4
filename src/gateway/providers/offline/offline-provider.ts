import type { Kind } from '../../kinds/index.js';
import { estimateTokens, type Completion, type CompletionRequest, type ModelProvider } from '../model-provider.js';
import { composeCanonRecord, composeCanonReferences, composeLoreCheck } from './canon.js';
import type { Composer } from './composer.js';
import { composeBeatProse, composePhaseNarration } from './flow.js';
import { Grammar } from './grammar.js';
import { composeAllianceTerms, composeGossip, composeReputationNarration } from './social.js';
import { composeRoleAdaptation, composeStakeholderAction, composeStakeholderProfile, composeStakeholderReaction } from './stakeholders.js';
import { composeEscalationNarration, composeTensionManifestations } from './tension.js';

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
};

export const offlineModel = 'nyx-offline-grammar-1';

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
    const grammar = new Grammar(`${request.seed ?? 0}|${request.kind}|${JSON.stringify(request.input)}`, request.recent);
    const compose = composers[request.kind] as Composer<Kind>;
    const value = compose(request.input as never, grammar, request.setting);
    return {
      answer: { type: 'json', value },
      model: offlineModel,
      promptTokens: estimateTokens(request.prompt.system + request.prompt.data),
      outputTokens: estimateTokens(JSON.stringify(value)),
    };
  }
}
