/**
 * The subset of CEL that the `x-kubernetes-validations` rules of the CRDs in `charts/upstream/`
 * use: a tokenizer, a parser and an evaluator with `self` bound to the value a rule checks.
 * Anything outside the subset throws `UnsupportedCel`, so a check reports the rule as not
 * evaluated instead of passing it. https://kubernetes.io/docs/reference/using-api/cel/
 */
import { isRecord } from "./schema";

/** A CEL construct outside the subset evaluated here. */
export class UnsupportedCel extends Error {}

type Token =
  | { readonly kind: "num"; readonly value: number }
  | { readonly kind: "str"; readonly value: string }
  | { readonly kind: "id"; readonly value: string }
  | { readonly kind: "op"; readonly value: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const rest = source.slice(at);
    const space = /^\s+/.exec(rest);
    if (space !== null) {
      at += space[0].length;
      continue;
    }
    const number = /^\d+(\.\d+)?/.exec(rest);
    if (number !== null) {
      tokens.push({ kind: "num", value: Number(number[0]) });
      at += number[0].length;
      continue;
    }
    const quote = rest[0];
    if (quote === "'" || quote === '"') {
      let end = 1;
      let text = "";
      while (end < rest.length && rest[end] !== quote) {
        if (rest[end] === "\\") {
          end += 1;
        }
        text += rest[end] ?? "";
        end += 1;
      }
      if (end >= rest.length) {
        throw new UnsupportedCel(`unterminated string in ${source}`);
      }
      tokens.push({ kind: "str", value: text });
      at += end + 1;
      continue;
    }
    const identifier = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (identifier !== null) {
      tokens.push({ kind: "id", value: identifier[0] });
      at += identifier[0].length;
      continue;
    }
    const operator = /^(&&|\|\||==|!=|<=|>=|[!<>?:.,()[\]+-])/.exec(rest);
    if (operator === null) {
      throw new UnsupportedCel(`unexpected ${rest[0] ?? ""}`);
    }
    tokens.push({ kind: "op", value: operator[0] });
    at += operator[0].length;
  }
  return tokens;
}

type Node =
  | { readonly t: "lit"; readonly value: unknown }
  | { readonly t: "var"; readonly name: string }
  | { readonly t: "list"; readonly items: readonly Node[] }
  | { readonly t: "field"; readonly target: Node; readonly name: string }
  | { readonly t: "index"; readonly target: Node; readonly index: Node }
  | {
      readonly t: "call";
      readonly target?: Node;
      readonly name: string;
      readonly args: readonly Node[];
    }
  | { readonly t: "unary"; readonly op: string; readonly operand: Node }
  | { readonly t: "binary"; readonly op: string; readonly left: Node; readonly right: Node }
  | { readonly t: "cond"; readonly test: Node; readonly then: Node; readonly otherwise: Node };

class Parser {
  private at = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  parse(): Node {
    const node = this.conditional();
    if (this.at !== this.tokens.length) {
      throw new UnsupportedCel(`unexpected token ${String(this.tokens[this.at]?.value)}`);
    }
    return node;
  }

  private peek(value: string): boolean {
    const token = this.tokens[this.at];
    return (
      token !== undefined && (token.kind === "op" || token.kind === "id") && token.value === value
    );
  }

  private take(value: string): void {
    if (!this.peek(value)) {
      throw new UnsupportedCel(`expected ${value}`);
    }
    this.at += 1;
  }

  private conditional(): Node {
    const test = this.or();
    if (!this.peek("?")) {
      return test;
    }
    this.take("?");
    const then = this.conditional();
    this.take(":");
    return { t: "cond", test, then, otherwise: this.conditional() };
  }

  private or(): Node {
    let left = this.and();
    while (this.peek("||")) {
      this.take("||");
      left = { t: "binary", op: "||", left, right: this.and() };
    }
    return left;
  }

  private and(): Node {
    let left = this.relation();
    while (this.peek("&&")) {
      this.take("&&");
      left = { t: "binary", op: "&&", left, right: this.relation() };
    }
    return left;
  }

  private relation(): Node {
    const left = this.additive();
    for (const op of ["==", "!=", "<=", ">=", "<", ">", "in"]) {
      if (this.peek(op)) {
        this.take(op);
        return { t: "binary", op, left, right: this.additive() };
      }
    }
    return left;
  }

  private additive(): Node {
    let left = this.unary();
    while (this.peek("+") || this.peek("-")) {
      const op = this.peek("+") ? "+" : "-";
      this.take(op);
      left = { t: "binary", op, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Node {
    for (const op of ["!", "-"]) {
      if (this.peek(op)) {
        this.take(op);
        return { t: "unary", op, operand: this.unary() };
      }
    }
    return this.postfix();
  }

  private postfix(): Node {
    let node = this.primary();
    for (;;) {
      if (this.peek(".")) {
        this.take(".");
        const name = this.identifier();
        if (this.peek("(")) {
          node = { t: "call", target: node, name, args: this.args() };
        } else {
          node = { t: "field", target: node, name };
        }
      } else if (this.peek("[")) {
        this.take("[");
        const index = this.conditional();
        this.take("]");
        node = { t: "index", target: node, index };
      } else {
        return node;
      }
    }
  }

  private args(): Node[] {
    this.take("(");
    const args: Node[] = [];
    while (!this.peek(")")) {
      args.push(this.conditional());
      if (!this.peek(")")) {
        this.take(",");
      }
    }
    this.take(")");
    return args;
  }

  private identifier(): string {
    const token = this.tokens[this.at];
    if (token?.kind !== "id") {
      throw new UnsupportedCel("expected an identifier");
    }
    this.at += 1;
    return token.value;
  }

  private primary(): Node {
    const token = this.tokens[this.at];
    if (token === undefined) {
      throw new UnsupportedCel("unexpected end");
    }
    if (token.kind === "num" || token.kind === "str") {
      this.at += 1;
      return { t: "lit", value: token.value };
    }
    if (token.kind === "op" && token.value === "(") {
      this.take("(");
      const inner = this.conditional();
      this.take(")");
      return inner;
    }
    if (token.kind === "op" && token.value === "[") {
      this.take("[");
      const items: Node[] = [];
      while (!this.peek("]")) {
        items.push(this.conditional());
        if (!this.peek("]")) {
          this.take(",");
        }
      }
      this.take("]");
      return { t: "list", items };
    }
    if (token.kind === "id") {
      this.at += 1;
      if (token.value === "true" || token.value === "false") {
        return { t: "lit", value: token.value === "true" };
      }
      if (token.value === "null") {
        return { t: "lit", value: null };
      }
      if (this.peek("(")) {
        return { t: "call", name: token.value, args: this.args() };
      }
      return { t: "var", name: token.value };
    }
    throw new UnsupportedCel(`unexpected ${token.value}`);
  }
}

type Scope = ReadonlyMap<string, unknown>;

/** Evaluates a CEL expression of the supported subset with `self` bound to a value. */
export function evaluateCel(rule: string, self: unknown): unknown {
  const tree = new Parser(tokenize(rule)).parse();
  return evaluate(tree, new Map([["self", self]]));
}

function evaluate(node: Node, scope: Scope): unknown {
  switch (node.t) {
    case "lit":
      return node.value;
    case "var":
      if (!scope.has(node.name)) {
        throw new UnsupportedCel(`unknown variable ${node.name}`);
      }
      return scope.get(node.name);
    case "list":
      return node.items.map((item) => evaluate(item, scope));
    case "field": {
      const target = evaluate(node.target, scope);
      if (!isRecord(target) || !(node.name in target)) {
        throw new CelError(`no such key: ${node.name}`);
      }
      return target[node.name];
    }
    case "index": {
      const target = evaluate(node.target, scope);
      const index = evaluate(node.index, scope);
      if (Array.isArray(target) && typeof index === "number" && index < target.length) {
        return target[index];
      }
      if (isRecord(target) && typeof index === "string" && index in target) {
        return target[index];
      }
      throw new CelError(`no such index ${String(index)}`);
    }
    case "unary": {
      const operand = evaluate(node.operand, scope);
      return node.op === "!" ? !bool(operand) : -num(operand);
    }
    case "cond":
      return bool(evaluate(node.test, scope))
        ? evaluate(node.then, scope)
        : evaluate(node.otherwise, scope);
    case "binary":
      return binary(node.op, node.left, node.right, scope);
    case "call":
      return call(node, scope);
  }
}

/** A runtime error of CEL (a missing key): the rule fails, as the API server reports it. */
export class CelError extends Error {}

function bool(value: unknown): boolean {
  if (typeof value !== "boolean") {
    throw new CelError(`expected a bool, got ${JSON.stringify(value)}`);
  }
  return value;
}

function num(value: unknown): number {
  if (typeof value !== "number") {
    throw new CelError(`expected a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function str(value: unknown): string {
  if (typeof value !== "string") {
    throw new CelError(`expected a string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function binary(op: string, leftNode: Node, rightNode: Node, scope: Scope): unknown {
  if (op === "&&" || op === "||") {
    const left = bool(evaluate(leftNode, scope));
    if (op === "&&" ? !left : left) {
      return left;
    }
    return bool(evaluate(rightNode, scope));
  }
  const left = evaluate(leftNode, scope);
  const right = evaluate(rightNode, scope);
  switch (op) {
    case "==":
      return JSON.stringify(left) === JSON.stringify(right);
    case "!=":
      return JSON.stringify(left) !== JSON.stringify(right);
    case "<":
      return num(left) < num(right);
    case "<=":
      return num(left) <= num(right);
    case ">":
      return num(left) > num(right);
    case ">=":
      return num(left) >= num(right);
    case "+":
      return typeof left === "string" ? left + str(right) : num(left) + num(right);
    case "-":
      return num(left) - num(right);
    case "in":
      if (Array.isArray(right)) {
        return right.some((item) => JSON.stringify(item) === JSON.stringify(left));
      }
      if (isRecord(right)) {
        return str(left) in right;
      }
      throw new CelError("in needs a list or a map");
    default:
      throw new UnsupportedCel(`operator ${op}`);
  }
}

const MACROS = new Set(["all", "exists", "exists_one", "filter", "map"]);

function call(node: Extract<Node, { t: "call" }>, scope: Scope): unknown {
  if (node.target === undefined) {
    const [argument] = node.args;
    if (node.name === "has" && argument?.t === "field") {
      const target = evaluate(argument.target, scope);
      return isRecord(target) && argument.name in target && target[argument.name] !== undefined;
    }
    if (node.name === "size" && argument !== undefined) {
      return sizeOf(evaluate(argument, scope));
    }
    if (node.name === "int" && argument !== undefined) {
      const value = evaluate(argument, scope);
      const parsed =
        typeof value === "number" ? Math.trunc(value) : Number.parseInt(str(value), 10);
      if (Number.isNaN(parsed)) {
        throw new CelError(`int(${JSON.stringify(value)})`);
      }
      return parsed;
    }
    throw new UnsupportedCel(`function ${node.name}`);
  }
  if (MACROS.has(node.name)) {
    const [variable, body] = node.args;
    if (variable?.t !== "var" || body === undefined) {
      throw new UnsupportedCel(`macro ${node.name} form`);
    }
    const target = evaluate(node.target, scope);
    const elements = Array.isArray(target)
      ? target
      : isRecord(target)
        ? Object.keys(target)
        : undefined;
    if (elements === undefined) {
      throw new CelError(`${node.name} needs a list or a map`);
    }
    const each = (element: unknown) =>
      evaluate(body, new Map([...scope, [variable.name, element]]));
    switch (node.name) {
      case "all":
        return elements.every((element) => bool(each(element)));
      case "exists":
        return elements.some((element) => bool(each(element)));
      case "exists_one":
        return elements.filter((element) => bool(each(element))).length === 1;
      case "filter":
        return elements.filter((element) => bool(each(element)));
      default:
        return elements.map(each);
    }
  }
  const target = evaluate(node.target, scope);
  const args = node.args.map((arg) => evaluate(arg, scope));
  switch (node.name) {
    case "size":
      return sizeOf(target);
    case "startsWith":
      return str(target).startsWith(str(args[0]));
    case "endsWith":
      return str(target).endsWith(str(args[0]));
    case "contains":
      return str(target).includes(str(args[0]));
    case "matches":
      return new RegExp(str(args[0])).test(str(target));
    case "find":
      return new RegExp(str(args[0])).exec(str(target))?.[0] ?? "";
    case "split":
      return str(target).split(str(args[0]));
    default:
      throw new UnsupportedCel(`method ${node.name}`);
  }
}

function sizeOf(value: unknown): number {
  if (typeof value === "string" || Array.isArray(value)) {
    return value.length;
  }
  if (isRecord(value)) {
    return Object.keys(value).length;
  }
  throw new CelError(`size of ${JSON.stringify(value)}`);
}
