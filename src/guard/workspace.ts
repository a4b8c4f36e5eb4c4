import path from 'node:path';
import { Project, type Node, type SourceFile } from 'ts-morph';
import type { GuardConfig } from './config.js';
import type { SourceLocation } from './findings.js';
import { ModulePatterns } from './module-patterns.js';

/** The project under analysis as both analyses see it: its patterns and its TypeScript program. */
export class GuardWorkspace {
  readonly hotPath: ModulePatterns;
  readonly sinks: ModulePatterns;
  readonly allowed: ModulePatterns;
  readonly boundedWaits: ModulePatterns;
  readonly modelCallNames: ReadonlySet<string>;
  readonly tsConfigPath: string;
  readonly project: Project;

  constructor(
    readonly root: string,
    readonly config: GuardConfig,
  ) {
    this.hotPath = new ModulePatterns(config.hotPath);
    this.sinks = new ModulePatterns(config.sinks);
    this.allowed = new ModulePatterns(config.allowed);
    this.boundedWaits = new ModulePatterns(config.boundedWaits);
    this.modelCallNames = new Set(config.modelCallNames);
    this.tsConfigPath = path.resolve(root, config.tsConfig);
    this.project = new Project({ tsConfigFilePath: this.tsConfigPath });
  }

  relative(absolutePath: string): string {
    return path.relative(this.root, absolutePath).split(path.sep).join('/');
  }

  /** Project code the guard may follow: not a declaration file, not installed, not allowed. */
  isAnalysable(file: SourceFile): boolean {
    const relative = this.relative(file.getFilePath());
    return !file.isDeclarationFile() && !file.isInNodeModules() && !relative.startsWith('../') && !this.allowed.matches(relative);
  }

  /** Every file the guard may follow, for the searches that need the whole program (registrations, listeners). */
  analysableSourceFiles(): SourceFile[] {
    return this.project.getSourceFiles().filter((file) => this.isAnalysable(file));
  }

  hotSourceFiles(): SourceFile[] {
    return this.project
      .getSourceFiles()
      .filter((file) => this.isAnalysable(file) && this.hotPath.matches(this.relative(file.getFilePath())))
      .sort((a, b) => a.getFilePath().localeCompare(b.getFilePath()));
  }

  /** The sink pattern a declaration's file matches, if it lives in a sink. */
  sinkPatternOf(node: Node): string | undefined {
    return this.sinks.matchingPattern(this.relative(node.getSourceFile().getFilePath()));
  }

  locationOf(node: Node): SourceLocation {
    const file = node.getSourceFile();
    const { line, column } = file.getLineAndColumnAtPos(node.getStart());
    return { file: this.relative(file.getFilePath()), line, column };
  }
}
