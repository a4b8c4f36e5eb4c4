import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cruise, type ICruiseResult, type IModule } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import type { Finding, Hop } from './findings.js';
import type { GuardWorkspace } from './workspace.js';

const RULE_NAME = 'hot-path-reaches-sink';

interface Violation {
  from: string;
  to: string;
  via: string[];
}

/**
 * Module level: dependency-cruiser follows every runtime import, re-export and dynamic `import()`
 * from each hot-path module. Type-only imports are erased first (`tsPreCompilationDeps: false`),
 * so sharing an interface with the slow path is not a dependency on it.
 */
export class ModuleReachability {
  constructor(private readonly workspace: GuardWorkspace) {}

  async findings(): Promise<Finding[]> {
    const hotFiles = this.workspace.hotSourceFiles().map((file) => this.workspace.relative(file.getFilePath()));
    if (hotFiles.length === 0) return [];
    const result = await this.cruise(hotFiles);
    const modules = new Map(result.modules.map((module) => [module.source, module]));
    return this.firstSinkViolations(result).map((violation) => this.toFinding(violation, modules));
  }

  private async cruise(hotFiles: string[]): Promise<ICruiseResult> {
    const { workspace } = this;
    const excluded = workspace.allowed.toRegExpSource();
    const reported = await cruise(
      hotFiles,
      {
        baseDir: workspace.root,
        tsPreCompilationDeps: false,
        doNotFollow: { path: 'node_modules' },
        ...(excluded === undefined ? {} : { exclude: { path: excluded } }),
        tsConfig: { fileName: workspace.tsConfigPath },
        validate: true,
        ruleSet: {
          forbidden: [
            {
              name: RULE_NAME,
              severity: 'error',
              from: { path: workspace.hotPath.toRegExpSource()! },
              to: { path: workspace.sinks.toRegExpSource()!, reachable: true },
            },
          ],
        },
      },
      {},
      { tsConfig: extractTSConfig(workspace.tsConfigPath) },
    );
    return reported.output as ICruiseResult;
  }

  /**
   * Reachability reports every sink module behind the first one (the gateway's own imports, the
   * AI SDK behind it). Only the first sink on a path is the hot path's mistake.
   */
  private firstSinkViolations(result: ICruiseResult): Violation[] {
    const { sinks } = this.workspace;
    return result.summary.violations
      .filter((violation) => violation.rule.name === RULE_NAME)
      .map((violation) => ({ from: violation.from, to: violation.to, via: (violation.via ?? []).map((hop) => hop.name) }))
      .filter(({ via }) => via.slice(0, -1).every((module) => !sinks.matches(module)))
      .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  }

  private toFinding(violation: Violation, modules: Map<string, IModule>): Finding {
    const chain: Hop[] = [];
    let from = violation.from;
    for (const to of violation.via) {
      chain.push(this.importHop(from, to, modules.get(from)));
      from = to;
    }
    return {
      kind: 'import',
      entry: { file: violation.from },
      sink: {
        file: violation.to,
        line: 1,
        column: 1,
        name: violation.to,
        pattern: this.workspace.sinks.matchingPattern(violation.to) ?? '',
      },
      chain,
    };
  }

  /** dependency-cruiser knows which specifier imports `to`, not where: find it in the source. */
  private importHop(from: string, to: string, module: IModule | undefined): Hop {
    const dependency = module?.dependencies.find((candidate) => candidate.resolved === to);
    const specifier = dependency?.module ?? to;
    const kind = dependency?.dynamic ? 'dynamically imports' : 'imports';
    const lines = readFileSync(path.join(this.workspace.root, from), 'utf8').split('\n');
    const index = lines.findIndex((line) => line.includes(`'${specifier}'`) || line.includes(`"${specifier}"`));
    const line = index + 1 || 1;
    const column = index >= 0 ? lines[index]!.search(/['"]/) + 1 : 1;
    return { file: from, line, column, step: `${kind} ${specifier} (${to})` };
  }
}
