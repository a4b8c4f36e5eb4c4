import { CallReachability } from './call-reachability.js';
import type { LoadedGuardConfig } from './config.js';
import type { GuardReport } from './findings.js';
import { ModuleReachability } from './module-reachability.js';
import { GuardWorkspace } from './workspace.js';

/** Both analyses over one project: module reachability first, then the call chains behind it. */
export async function runGuard({ root, config, source }: LoadedGuardConfig): Promise<GuardReport> {
  const workspace = new GuardWorkspace(root, config);
  const calls = new CallReachability(workspace);
  const importFindings = await new ModuleReachability(workspace).findings();
  return {
    configSource: source,
    hotPath: config.hotPath,
    sinks: config.sinks,
    modules: calls.modules(),
    findings: [...importFindings, ...calls.findings()],
  };
}
