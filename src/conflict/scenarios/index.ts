export { ScenarioError, formatScenarioError, type ScenarioErrorReason, type ScenarioIssue } from './errors.js';
export { loadBundledScenarios, loadScenarioFile, validateScenarioFile, type ScenarioValidation } from './loader.js';
export { parseScenario } from './parse.js';
export {
  DECISION_STYLES,
  DEFAULT_GOSSIP_TENDENCY,
  RELATION_KINDS,
  REPUTATION_TYPES,
  SOCIAL_ROLES,
  STAKEHOLDER_DEFAULTS,
  STAKEHOLDER_ROLES,
  scenarioSchema,
  type Scenario,
  type ScenarioConflict,
  type ScenarioLocation,
  type ScenarioNpc,
  type ScenarioRelation,
  type ScenarioStakeholder,
} from './schema.js';
