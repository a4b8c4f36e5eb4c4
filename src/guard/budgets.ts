import { ModulePatterns } from './module-patterns.js';

export interface OperationBudget {
  targetMs: number;
  source: string;
}

interface BudgetRule extends OperationBudget {
  operation?: RegExp;
  module?: ModulePatterns;
}

/**
 * Per-operation latency targets (docs/architecture.md, section 7.2). The runtime enforces one number for every operation
 * (HOT_PATH_ENFORCE_MS); these are the tighter goals each kind of operation is held to. A
 * subsystem's module is matched first: everything in it is one handler's share of a request
 * (`stakeholdersHotPath.handlers.player_choice` is a handler, not the whole player choice). Elsewhere
 * operation names say what the player is waiting for.
 */
const OPERATION_BUDGETS: BudgetRule[] = [
  { module: new ModulePatterns(['src/conflict/flow/hot-path.ts']), targetMs: 100, source: 'flow handler < 100 ms' },
  { module: new ModulePatterns(['src/conflict/*/hot-path.ts']), targetMs: 50, source: 'subsystem handler < 50 ms' },
  { operation: /state.?sync|sync.?state/i, targetMs: 100, source: 'state sync < 100 ms' },
  { operation: /choice|choose/i, targetMs: 200, source: 'player choice < 200 ms' },
  { operation: /create.?conflict|conflict.?creat|start.?conflict/i, targetMs: 300, source: 'conflict creation < 300 ms' },
];

export function budgetFor(file: string, operation: string, enforceMs: number): OperationBudget {
  const rule = OPERATION_BUDGETS.find((candidate) => candidate.operation?.test(operation) || candidate.module?.matches(file));
  return rule ? { targetMs: rule.targetMs, source: rule.source } : { targetMs: enforceMs, source: 'HOT_PATH_ENFORCE_MS' };
}
