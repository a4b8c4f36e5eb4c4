/** The LLM gateway: slow path only. The hot path dispatches tasks and never imports this. */
export { createGateway, defaultOfflineLatencyMs, modelEndpoint, type GatewayRuntime } from './create-gateway.js';
export { FAILURES_BEFORE_FAILING, ModelHealth, MonitoredProvider } from './model-health.js';
export { CompletionCache } from './completion-cache.js';
export { BudgetExceededError } from './cost/budget-exceeded-error.js';
export { MeteredProvider } from './cost/metered-provider.js';
export { PriceList } from './cost/price-list.js';
export { promptHash, schemaVersion } from './prompt-hash.js';
export { RecordingProvider } from './recording/recording-provider.js';
export { ReplayMissError, ReplayProvider, type ReplaySettings } from './recording/replay-provider.js';
export { LlmGateway, type GenerateOptions, type GenerateRequest, type Generation, type ModelUsage } from './llm-gateway.js';
export {
  ModelOutputInvalidError,
  ModelRateLimitedError,
  ModelRequestRejectedError,
  ModelServerError,
  ModelTimeoutError,
  type ModelFailureReason,
} from './errors.js';
export { capInput, inputLimits, type Prompt } from './prompt.js';
export { correctOutput, type CorrectedOutput, type CorrectionKind, type OutputCorrection } from './output-corrections.js';
export { kinds, taskKinds, type Kind, type KindInput, type KindOutput, type KindOutputSchema } from './kinds/index.js';
export type { TaskKind } from './kinds/task-kind.js';
export * from './kinds/vocabulary.js';
export type {
  ConflictSnapshot,
  NamedCharacter,
  SceneSnapshot,
  SettingVocabulary,
  StakeholderSnapshot,
  StorySetting,
} from './kinds/story-context.js';
export type { StakeholderActionInput, StakeholderActionOutput } from './kinds/stakeholder-action.js';
export type { PlayerChoice, StakeholderReactionInput, StakeholderReactionOutput } from './kinds/stakeholder-reaction.js';
export type { StakeholderProfileInput, StakeholderProfileOutput } from './kinds/stakeholder-profile.js';
export type { RoleAdaptationInput, RoleAdaptationOutput, RoleAdaptationTrigger } from './kinds/role-adaptation.js';
export type { PhaseNarrationInput, PhaseNarrationOutput } from './kinds/phase-narration.js';
export type { BeatProseInput, BeatProseOutput } from './kinds/beat-prose.js';
export type { GossipInput, GossipOutput, GossipTopic } from './kinds/gossip.js';
export type { ReputationNarrationInput, ReputationNarrationOutput } from './kinds/reputation-narration.js';
export { allianceTypes, type AllianceTermsInput, type AllianceTermsOutput, type AllianceType } from './kinds/alliance-terms.js';
export type { CanonRecordInput, CanonRecordOutput } from './kinds/canon-record.js';
export type { CanonReferencesInput, CanonReferencesOutput } from './kinds/canon-references.js';
export type { LoreCheckInput, LoreCheckOutput } from './kinds/lore-check.js';
export type { TensionManifestationsInput, TensionManifestationsOutput } from './kinds/tension-manifestations.js';
export type { EscalationNarrationInput, EscalationNarrationOutput } from './kinds/escalation-narration.js';
export type { TurnProseInput, TurnProseOutput } from './kinds/turn-prose.js';
export {
  estimateTokens,
  modelOf,
  type Completion,
  type CompletionRequest,
  type ModelAnswer,
  type ModelProvider,
} from './providers/model-provider.js';
export { OfflineProvider, offlineModel } from './providers/offline/offline-provider.js';
export {
  OpenAiCompatibleProvider,
  defaultRetryAfterMs,
  retryAfterMs,
  type OpenAiCompatibleSettings,
} from './providers/openai-compatible-provider.js';
export { LlamaCppProvider, type LlamaCppSettings } from './providers/llama-cpp-provider.js';
export { SimulatedProvider, simulatedRetryAfterMs, type SimulationSettings } from './providers/simulated-provider.js';
