import path from 'node:path';
import { Node, Scope, ts, type CallExpression, type ObjectLiteralExpression, type SourceFile } from 'ts-morph';
import { blockingKindOf, staticSpecifier, unresolvedLoadOf } from './blocking-calls.js';
import type { Finding, FindingKind, Hop, HotPathModule, HotPathOperation } from './findings.js';
import { ValueWiring, type Registration } from './value-wiring.js';
import type { GuardWorkspace } from './workspace.js';

/** Longer chains than this are not followed: the visited set ends cycles, this ends sprawl. */
const MAX_CALL_DEPTH = 32;
const MAX_STEP_TEXT = 60;

type Sink = Finding['sink'];

interface Operation extends HotPathOperation {
  callable: Node;
}

/** One way control leaves a function: a call, a `new`, a function handed to a call, a lookup or an emit. */
interface Edge {
  hop: Hop;
  sink?: Sink;
  /** What reaching the sink is: a call into a sink module, a blocking call, an unresolvable load. */
  kind?: Exclude<FindingKind, 'import'>;
  targets: Node[];
}

interface Pending {
  callable: Node;
  chain: Hop[];
}

const shorten = (text: string) => {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > MAX_STEP_TEXT ? `${flat.slice(0, MAX_STEP_TEXT - 1)}…` : flat;
};

const isFunctionValue = (node: Node | undefined) => Node.isArrowFunction(node) || Node.isFunctionExpression(node);

/** A function-like node whose body the analysis can walk. */
const hasWalkableBody = (node: Node) => Node.isFunctionLikeDeclaration(node) && Node.hasBody(node);

const unwrapExpression = (node: Node): Node =>
  Node.isAsExpression(node) || Node.isSatisfiesExpression(node) || Node.isParenthesizedExpression(node)
    ? unwrapExpression(node.getExpression())
    : node;

/** Members that only promise a behaviour; what runs is whatever implements them. */
const isAbstractMember = (node: Node) =>
  Node.isMethodSignature(node) ||
  (Node.isPropertySignature(node) && node.getType().getCallSignatures().length > 0) ||
  (Node.isMethodDeclaration(node) && (node.isAbstract() || node.getBody() === undefined));

function describe(node: Node): string {
  if (Node.isSourceFile(node)) return node.getBaseName();
  const name = Node.hasName(node) ? node.getName() : (node.getSymbol()?.getName() ?? node.getKindName());
  const owner = node.getParent();
  if ((Node.isClassDeclaration(owner) || Node.isInterfaceDeclaration(owner)) && owner.getName()) return `${owner.getName()}.${name}`;
  return name;
}

/**
 * Call level: from every exported operation of a hot-path module — functions, class members, and
 * the methods of exported handler maps that the synthesizer calls by event name — follow calls:
 * through imports, re-exports and dynamic imports it can resolve, into every implementation of an
 * interface or abstract method (object literals wired in the composition root included), into
 * functions handed to other functions as callbacks, into what registries return by name and what
 * listeners an emit runs, until a call lands in a sink, blocks, or loads a module the analysis
 * cannot follow.
 */
export class CallReachability {
  private readonly edges = new Map<Node, Edge[]>();
  private readonly implementations = new Map<Node, Node[]>();
  private readonly wiring: ValueWiring;

  constructor(private readonly workspace: GuardWorkspace) {
    this.wiring = new ValueWiring(workspace);
  }

  modules(): HotPathModule[] {
    return this.workspace.hotSourceFiles().map((file) => ({
      file: this.workspace.relative(file.getFilePath()),
      operations: this.operationsOf(file).map(({ name, line }) => ({ name, line })),
    }));
  }

  findings(): Finding[] {
    return this.workspace.hotSourceFiles().flatMap((file) => this.operationsOf(file).flatMap((operation) => this.trace(file, operation)));
  }

  /**
   * Exported functions, function-valued constants, the non-private members of exported classes,
   * and the functions inside exported object literals (`tensionHotPath.handlers.state_sync`).
   */
  private operationsOf(file: SourceFile): Operation[] {
    const operations: Operation[] = [];
    const add = (name: string, callable: Node) => operations.push({ name, callable, line: callable.getStartLineNumber() });
    const addMembers = (prefix: string, literal: ObjectLiteralExpression) => {
      for (const member of literal.getProperties()) {
        if (Node.isMethodDeclaration(member) && hasWalkableBody(member)) add(`${prefix}.${member.getName()}`, member);
        if (!Node.isPropertyAssignment(member)) continue;
        const value = unwrapExpression(member.getInitializerOrThrow());
        if (isFunctionValue(value)) add(`${prefix}.${member.getName()}`, value);
        else if (Node.isObjectLiteralExpression(value)) addMembers(`${prefix}.${member.getName()}`, value);
        else for (const callable of this.valueCallables(value)) add(`${prefix}.${member.getName()}`, callable);
      }
    };
    for (const [exportName, declarations] of file.getExportedDeclarations()) {
      for (const declaration of declarations) {
        if (declaration.getSourceFile() !== file) continue;
        if (Node.isFunctionDeclaration(declaration) && hasWalkableBody(declaration)) add(exportName, declaration);
        if (Node.isVariableDeclaration(declaration)) {
          const initializer = declaration.getInitializer();
          const value = initializer && unwrapExpression(initializer);
          if (isFunctionValue(value)) add(exportName, value!);
          if (Node.isObjectLiteralExpression(value)) addMembers(exportName, value);
        }
        if (Node.isClassDeclaration(declaration)) {
          for (const ctor of declaration.getConstructors()) {
            if (hasWalkableBody(ctor)) add(`${exportName}.constructor`, ctor);
          }
          for (const method of declaration.getMethods()) {
            if (method.getScope() !== Scope.Private && hasWalkableBody(method)) add(`${exportName}.${method.getName()}`, method);
          }
        }
      }
    }
    return operations.sort((a, b) => a.line - b.line);
  }

  /** Breadth first, so each sink is reported with the shortest chain that reaches it. */
  private trace(file: SourceFile, operation: Operation): Finding[] {
    const entryFile = this.workspace.relative(file.getFilePath());
    const entryHop: Hop = { ...this.workspace.locationOf(operation.callable), step: `${operation.name}() is a hot-path operation` };
    const visited = new Set<Node>([operation.callable]);
    const reported = new Set<string>();
    const findings: Finding[] = [];
    let frontier: Pending[] = [{ callable: operation.callable, chain: [entryHop] }];
    for (let depth = 0; depth < MAX_CALL_DEPTH && frontier.length > 0; depth += 1) {
      const next: Pending[] = [];
      for (const { callable, chain } of frontier) {
        for (const edge of this.edgesOf(callable)) {
          const path = [...chain, edge.hop];
          if (edge.sink) {
            const key = `${edge.hop.file}:${edge.hop.line}:${edge.hop.column}>${edge.sink.file}:${edge.sink.line}`;
            if (!reported.has(key)) {
              reported.add(key);
              findings.push({
                kind: edge.kind ?? 'call',
                entry: { file: entryFile, operation: operation.name },
                sink: edge.sink,
                chain: path,
              });
            }
            continue;
          }
          for (const target of edge.targets) {
            if (visited.has(target)) continue;
            visited.add(target);
            next.push({ callable: target, chain: path });
          }
        }
      }
      frontier = next;
    }
    return findings;
  }

  private edgesOf(callable: Node): Edge[] {
    const cached = this.edges.get(callable);
    if (cached) return cached;
    const edges: Edge[] = [];
    callable.forEachDescendant((node) => {
      if (!Node.isCallExpression(node) && !Node.isNewExpression(node)) return;
      const callee = node.getExpression();
      const context = this.callbackContext(node, callable);
      if (Node.isCallExpression(node)) {
        const special = this.specialEdges(node, context);
        edges.push(...special);
        if (special.some((edge) => edge.sink)) return;
      }
      edges.push(
        this.edgeTo(node, callee, `${Node.isNewExpression(node) ? 'constructs' : 'calls'} ${shorten(callee.getText())}()${context}`),
      );
      for (const argument of node.getArguments()) {
        const isFunctionReference = Node.isIdentifier(argument) || Node.isPropertyAccessExpression(argument);
        if (isFunctionReference && argument.getType().getCallSignatures().length > 0) {
          const edge = this.edgeTo(
            argument,
            argument,
            `passes ${shorten(argument.getText())} as a callback to ${shorten(callee.getText())}()${context}`,
          );
          if (edge.sink || edge.targets.length > 0) edges.push(edge);
        }
      }
    });
    this.edges.set(callable, edges);
    return edges;
  }

  /** Calls that block, loads the analysis cannot follow, dynamic imports of a known path, lookups and emits. */
  private specialEdges(call: CallExpression, context: string): Edge[] {
    const hop = (step: string): Hop => ({ ...this.workspace.locationOf(call), step: `${step}${context}` });
    const here = (name: string, pattern: string): Sink => ({ ...this.workspace.locationOf(call), name, pattern });
    const calleeText = shorten(call.getExpression().getText());
    const blocking = blockingKindOf(call);
    if (blocking && !this.workspace.boundedWaits.matches(this.workspace.relative(call.getSourceFile().getFilePath()))) {
      return [{ hop: hop(`calls ${calleeText}()`), kind: 'blocking', sink: here(`${calleeText}()`, blocking), targets: [] }];
    }
    const unresolved = unresolvedLoadOf(call);
    if (unresolved) {
      return [
        {
          hop: hop(`loads a module with ${shorten(call.getText())}`),
          kind: 'unresolved',
          sink: here(shorten(call.getText()), unresolved),
          targets: [],
        },
      ];
    }
    const importedSink = this.dynamicImportOfSink(call);
    if (importedSink) return [{ hop: hop(`dynamically imports ${importedSink.file}`), kind: 'call', sink: importedSink, targets: [] }];
    const wired = this.wiring.lookedUp(call.getExpression()) ?? this.wiring.listenersOf(call);
    if (!wired) return [];
    return wired.found.map((registration) => this.registrationEdge(hop(`${wired.description}`), registration));
  }

  /** `import(specifier)` whose specifier the compiler knows, resolved to a sink module or package. */
  private dynamicImportOfSink(call: CallExpression): Sink | undefined {
    if (call.getExpression().getKind() !== ts.SyntaxKind.ImportKeyword) return undefined;
    const argument = call.getArguments()[0];
    // A string literal is dependency-cruiser's; a constant of a literal type is left to this.
    if (argument === undefined || Node.isStringLiteral(argument) || Node.isNoSubstitutionTemplateLiteral(argument)) return undefined;
    const specifier = staticSpecifier(argument);
    if (specifier === undefined) return undefined;
    const containing = call.getSourceFile().getFilePath();
    const resolved = ts.resolveModuleName(specifier, containing, this.workspace.project.getCompilerOptions(), ts.sys).resolvedModule;
    if (resolved === undefined) return undefined;
    const relative = this.workspace.relative(path.resolve(resolved.resolvedFileName));
    const pattern = this.workspace.sinks.matchingPattern(relative);
    return pattern === undefined ? undefined : { file: relative, line: 1, column: 1, name: `import('${specifier}')`, pattern };
  }

  /** A value registered by name: a function literal is followed into; a reference is resolved like a callee. */
  private registrationEdge(hop: Hop, registration: Registration): Edge {
    const at = this.workspace.locationOf(registration.site);
    const step = `${hop.step}, registered at ${at.file}:${at.line}`;
    if (isFunctionValue(registration.value)) return { hop: { ...hop, step }, targets: [registration.value] };
    const edge = this.edgeTo(registration.value, registration.value, step);
    return { ...edge, hop: { ...hop, step: edge.hop.step } };
  }

  /** Calls inside a function literal run when whoever receives it calls it: say so in the chain. */
  private callbackContext(site: Node, callable: Node): string {
    const enclosing = site.getFirstAncestor((ancestor) => ancestor === callable || Node.isFunctionLikeDeclaration(ancestor));
    if (enclosing === undefined || enclosing === callable) return '';
    const receiver = enclosing.getParent();
    if (Node.isCallExpression(receiver) && receiver.getArguments().includes(enclosing)) {
      return ` in the callback passed to ${shorten(receiver.getExpression().getText())}()`;
    }
    return ' in a nested function';
  }

  private edgeTo(site: Node, callee: Node, step: string): Edge {
    const hop: Hop = { ...this.workspace.locationOf(site), step };
    const declarations = this.declarationsOf(callee);
    // Library interfaces (Array.map, Promise.then) are implemented by the runtime, and searching the
    // whole program for them is what makes the analysis slow: only project ports are followed.
    const implementations = declarations
      .filter((node) => isAbstractMember(node) && this.workspace.isAnalysable(node.getSourceFile()))
      .flatMap((member) => this.implementationsOf(member));
    const reached = [...declarations, ...implementations].flatMap((node) => [node, ...this.assignedValues(node)]);
    const sink = this.sinkAmong(reached) ?? this.modelCallOnSinkType(callee);
    const wiredAt = implementations.filter((node) => this.isObjectLiteralMember(node)).map((node) => this.workspace.locationOf(node));
    if (wiredAt.length > 0) hop.step += `, wired at ${wiredAt.map(({ file, line }) => `${file}:${line}`).join(', ')}`;
    if (sink) {
      const sinkImplementation = implementations.find((node) => this.workspace.sinkPatternOf(node) !== undefined);
      if (sinkImplementation) hop.step += `, implemented by ${describe(sinkImplementation)}`;
      return { hop, sink, targets: [] };
    }
    const targets = reached.flatMap((node) => this.callablesOf(node)).filter((node) => this.workspace.isAnalysable(node.getSourceFile()));
    return { hop, targets };
  }

  /** What a callee names: through import aliases and re-exports, and through the value's type when it is a local binding. */
  private declarationsOf(callee: Node): Node[] {
    const nameNode = Node.isPropertyAccessExpression(callee) ? callee.getNameNode() : callee;
    const symbol = nameNode.getSymbol();
    if (symbol === undefined) return [];
    const resolved = symbol.isAlias() ? (symbol.getAliasedSymbol() ?? symbol) : symbol;
    const declarations = resolved.getDeclarations();
    if (declarations.some((node) => this.callablesOf(node).length > 0 || isAbstractMember(node) || Node.isFunctionLikeDeclaration(node))) {
      return declarations;
    }
    // `const { generate } = await import(...)`, `const run = helper`: the binding's type is the function's.
    const typeDeclarations = nameNode.getType().getSymbol()?.getDeclarations() ?? [];
    return [...declarations, ...typeDeclarations.filter((node) => Node.isFunctionLikeDeclaration(node))];
  }

  /**
   * Classes that implement the member, and object literals that fill it in: a context the
   * composition root builds (`{ narrate: generate }`) is as much an implementation as a class.
   */
  private implementationsOf(member: Node): Node[] {
    const cached = this.implementations.get(member);
    if (cached) return cached;
    const nameNode = Node.hasName(member) ? member.getNameNode() : undefined;
    const found = Node.isIdentifier(nameNode)
      ? [
          ...nameNode.getImplementations().map((location) => {
            const node = location.getNode();
            return Node.isIdentifier(node) ? node.getParentOrThrow() : node;
          }),
          ...nameNode
            .findReferencesAsNodes()
            .map((reference) => reference.getParent())
            .filter((node): node is Node => node !== undefined && this.isObjectLiteralMember(node)),
        ].filter(
          (node, index, all) =>
            all.indexOf(node) === index &&
            (Node.isFunctionLikeDeclaration(node) || this.callablesOf(node).length > 0 || this.assignedValues(node).length > 0),
        )
      : [];
    this.implementations.set(member, found);
    return found;
  }

  private isObjectLiteralMember(node: Node): boolean {
    const isMember = Node.isPropertyAssignment(node) || Node.isShorthandPropertyAssignment(node) || Node.isMethodDeclaration(node);
    return isMember && Node.isObjectLiteralExpression(node.getParent()) && this.workspace.isAnalysable(node.getSourceFile());
  }

  /** What a property or variable holds when it is given another function by name: `narrate: generate`. */
  private assignedValues(declaration: Node): Node[] {
    if (Node.isShorthandPropertyAssignment(declaration)) return declaration.getValueSymbol()?.getDeclarations() ?? [];
    if (!Node.isPropertyAssignment(declaration) && !Node.isVariableDeclaration(declaration) && !Node.isPropertyDeclaration(declaration))
      return [];
    const initializer = declaration.getInitializer();
    const value = initializer && unwrapExpression(initializer);
    return value && (Node.isIdentifier(value) || Node.isPropertyAccessExpression(value)) ? this.declarationsOf(value) : [];
  }

  /** The function bodies a value expression names. */
  private valueCallables(value: Node): Node[] {
    if (!Node.isIdentifier(value) && !Node.isPropertyAccessExpression(value)) return [];
    return this.declarationsOf(value).flatMap((node) => this.callablesOf(node));
  }

  /** The function bodies a declaration stands for, through one `a = b` of another function. */
  private callablesOf(declaration: Node): Node[] {
    if (hasWalkableBody(declaration)) return [declaration];
    if (Node.isVariableDeclaration(declaration) || Node.isPropertyDeclaration(declaration) || Node.isPropertyAssignment(declaration)) {
      const initializer = declaration.getInitializer();
      const value = initializer && unwrapExpression(initializer);
      if (value && isFunctionValue(value)) return [value];
      return this.assignedValues(declaration).filter(hasWalkableBody);
    }
    if (Node.isClassDeclaration(declaration)) return declaration.getConstructors().filter(hasWalkableBody);
    return [];
  }

  private sinkAmong(nodes: Node[]): Sink | undefined {
    for (const node of nodes) {
      const pattern = this.workspace.sinkPatternOf(node);
      if (pattern !== undefined) return { ...this.workspace.locationOf(node), name: describe(node), pattern };
    }
    return undefined;
  }

  /** `client.generate()` where `client`'s type is declared in a sink, even if `generate` is inherited from elsewhere. */
  private modelCallOnSinkType(callee: Node): Sink | undefined {
    if (!Node.isPropertyAccessExpression(callee) || !this.workspace.modelCallNames.has(callee.getName())) return undefined;
    const type = callee.getExpression().getType();
    const sink = this.sinkAmong((type.getSymbol() ?? type.getAliasSymbol())?.getDeclarations() ?? []);
    return sink && { ...sink, name: `${sink.name}.${callee.getName()}` };
  }
}
