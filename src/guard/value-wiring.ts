import { Node, type CallExpression, type Type } from 'ts-morph';
import type { GuardWorkspace } from './workspace.js';

/** A value put somewhere by name: `registry.set(key, value)`, `registry[key] = value`, `emitter.on(event, value)`. */
export interface Registration {
  /** `set` and `[]=` register into a registry; the others add a listener. */
  method: string;
  receiverType: Type;
  key?: string;
  value: Node;
  site: Node;
}

const LISTENER_METHODS = new Set(['on', 'once', 'addListener', 'prependListener', 'prependOnceListener']);

const literalKey = (node: Node | undefined) =>
  node && (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) ? node.getLiteralValue() : undefined;

const unwrap = (node: Node): Node =>
  Node.isNonNullExpression(node) || Node.isParenthesizedExpression(node) || Node.isAsExpression(node) ? unwrap(node.getExpression()) : node;

function isNamedType(type: Type, name: string): boolean {
  if (type.getSymbol()?.getName() === name) return true;
  return type.getBaseTypes().some((base) => isNamedType(base, name));
}

const keysMatch = (a: string | undefined, b: string | undefined) => a === undefined || b === undefined || a === b;

/**
 * Values that reach hot-path code by name rather than by reference: what slow-path or composition
 * code registered in a `Map` or an object used as a registry, and the listeners of an
 * `EventEmitter`. A lookup or an emit is matched to every registration on a receiver of the same
 * type (the composition root often registers on a variable the handler sees as a context member)
 * with the same key when both keys are literals.
 */
export class ValueWiring {
  private registrations?: Registration[];

  constructor(private readonly workspace: GuardWorkspace) {}

  /** What `callee` may be, when it is a lookup: `map.get('k')`, `registry['k']`, or a variable holding one. */
  lookedUp(callee: Node): { description: string; found: Registration[] } | undefined {
    let expression = unwrap(callee);
    if (Node.isIdentifier(expression)) {
      const declaration = expression.getSymbol()?.getDeclarations()[0];
      const initializer = Node.isVariableDeclaration(declaration) ? declaration.getInitializer() : undefined;
      if (initializer) expression = unwrap(initializer);
    }
    let receiver: Node | undefined;
    let key: string | undefined;
    let registerMethod: string;
    if (Node.isCallExpression(expression)) {
      const getter = expression.getExpression();
      if (!Node.isPropertyAccessExpression(getter) || getter.getName() !== 'get' || !isNamedType(getter.getExpression().getType(), 'Map'))
        return undefined;
      receiver = getter.getExpression();
      key = literalKey(expression.getArguments()[0]);
      registerMethod = 'set';
    } else if (Node.isElementAccessExpression(expression)) {
      receiver = expression.getExpression();
      key = literalKey(expression.getArgumentExpression());
      registerMethod = '[]=';
    } else {
      return undefined;
    }
    const receiverType = receiver.getType().getText();
    const found = this.all().filter(
      (registration) =>
        registration.method === registerMethod && registration.receiverType.getText() === receiverType && keysMatch(registration.key, key),
    );
    return { description: `looks up ${key === undefined ? 'a computed key' : `"${key}"`} in ${receiver.getText()}`, found };
  }

  /** The listeners an `emitter.emit('event', ...)` runs, if `call` is one. */
  listenersOf(call: CallExpression): { description: string; found: Registration[] } | undefined {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee) || callee.getName() !== 'emit') return undefined;
    if (!isNamedType(callee.getExpression().getType(), 'EventEmitter')) return undefined;
    const event = literalKey(call.getArguments()[0]);
    const found = this.all().filter(
      (registration) =>
        LISTENER_METHODS.has(registration.method) &&
        isNamedType(registration.receiverType, 'EventEmitter') &&
        keysMatch(registration.key, event),
    );
    return {
      description: `emits ${event === undefined ? 'a computed event' : `"${event}"`} on ${callee.getExpression().getText()}`,
      found,
    };
  }

  private all(): Registration[] {
    this.registrations ??= this.workspace.analysableSourceFiles().flatMap((file) => {
      const found: Registration[] = [];
      file.forEachDescendant((node) => {
        if (Node.isCallExpression(node)) {
          const callee = node.getExpression();
          const [key, value] = node.getArguments();
          if (!Node.isPropertyAccessExpression(callee) || value === undefined) return;
          const method = callee.getName();
          if (method !== 'set' && !LISTENER_METHODS.has(method)) return;
          found.push({ method, receiverType: callee.getExpression().getType(), key: literalKey(key), value, site: node });
        } else if (Node.isBinaryExpression(node) && node.getOperatorToken().getText() === '=') {
          const target = node.getLeft();
          if (!Node.isElementAccessExpression(target)) return;
          found.push({
            method: '[]=',
            receiverType: target.getExpression().getType(),
            key: literalKey(target.getArgumentExpression()),
            value: node.getRight(),
            site: node,
          });
        }
      });
      return found;
    });
    return this.registrations;
  }
}
