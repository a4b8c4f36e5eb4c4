import { Node, ts, type CallExpression } from 'ts-morph';

/** What a call does that makes the player wait, whatever it calls. */
export type BlockingKind = 'outbound HTTP' | 'a wait for a queue job' | 'a synchronous child process' | 'Atomics.wait';

/** Methods that wait for a queued job's outcome: Nyx's TaskQueue and BullMQ's Job. */
const JOB_WAIT_METHODS = new Set(['waitForJob', 'waitUntilFinished']);
const SYNC_CHILD_PROCESS = new Set(['execSync', 'execFileSync', 'spawnSync']);
const NODE_HTTP_DECLARATIONS = /\/@types\/node\/(?:http|https)\.d\.ts$/;
const NODE_CHILD_PROCESS_DECLARATIONS = /\/@types\/node\/child_process\.d\.ts$/;

function declarationFiles(callee: Node): string[] {
  const nameNode = Node.isPropertyAccessExpression(callee) ? callee.getNameNode() : callee;
  const symbol = nameNode.getSymbol();
  const resolved = symbol?.isAlias() ? (symbol.getAliasedSymbol() ?? symbol) : symbol;
  return (resolved?.getDeclarations() ?? []).map((declaration) => declaration.getSourceFile().getFilePath());
}

const calleeName = (callee: Node) =>
  Node.isIdentifier(callee) ? callee.getText() : Node.isPropertyAccessExpression(callee) ? callee.getName() : undefined;

/** The global `fetch`, `http(s).request`/`get`, a job wait, `execSync` and kin, `Atomics.wait`; by declaration where there is one. */
export function blockingKindOf(call: CallExpression): BlockingKind | undefined {
  const callee = call.getExpression();
  const name = calleeName(callee);
  if (name === undefined) return undefined;
  if (Node.isPropertyAccessExpression(callee) && JOB_WAIT_METHODS.has(name)) return 'a wait for a queue job';
  if (Node.isPropertyAccessExpression(callee) && name === 'wait' && callee.getExpression().getText() === 'Atomics') return 'Atomics.wait';
  const files = declarationFiles(callee);
  // A project function of that name is the project's business; the global one is undici's.
  const isGlobal = Node.isIdentifier(callee) || callee.getText() === 'globalThis.fetch';
  if (name === 'fetch' && isGlobal && files.every((file) => file.endsWith('.d.ts'))) return 'outbound HTTP';
  if ((name === 'request' || name === 'get') && files.some((file) => NODE_HTTP_DECLARATIONS.test(file))) return 'outbound HTTP';
  if (SYNC_CHILD_PROCESS.has(name) && files.some((file) => NODE_CHILD_PROCESS_DECLARATIONS.test(file)))
    return 'a synchronous child process';
  return undefined;
}

/** Module loads the analysis cannot follow. */
export type UnresolvedLoad = 'computed import() path' | 'require()' | 'createRequire()';

/**
 * `import(x)` where `x` is not known at compile time (a string literal, or a constant of a literal
 * type, is known), any `require(...)` and any `createRequire(...)`.
 */
export function unresolvedLoadOf(call: CallExpression): UnresolvedLoad | undefined {
  const callee = call.getExpression();
  if (callee.getKind() === ts.SyntaxKind.ImportKeyword) {
    const specifier = call.getArguments()[0];
    return specifier === undefined || staticSpecifier(specifier) === undefined ? 'computed import() path' : undefined;
  }
  const name = calleeName(callee);
  if (name === 'createRequire') return 'createRequire()';
  if (Node.isIdentifier(callee) && name === 'require') return 'require()';
  return undefined;
}

/** The module specifier an `import()` argument always has, if the compiler knows it. */
export function staticSpecifier(argument: Node): string | undefined {
  if (Node.isStringLiteral(argument) || Node.isNoSubstitutionTemplateLiteral(argument)) return argument.getLiteralValue();
  const type = argument.getType();
  return type.isStringLiteral() ? (type.getLiteralValue() as string) : undefined;
}
