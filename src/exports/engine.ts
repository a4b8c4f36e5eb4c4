/** `nyx/engine`: the game API every front end talks to, its read model and its errors. */
export { GameEngine } from '../conflict/engine/game-engine.js';
export { GameError, type GameErrorCode } from '../conflict/engine/game-errors.js';
export type {
  CanonView,
  ChoiceOutcome,
  ChoiceView,
  ConflictView,
  ContentItemView,
  ContentKind,
  ContentOrigin,
  ContentStatus,
  GameApi,
  GameState,
  NpcView,
  ScenarioSummary,
  StakeholderView,
} from '../conflict/engine/game-state.js';
