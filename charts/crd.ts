/**
 * Checks a Kubernetes custom object against its CustomResourceDefinition the way the API server
 * does on create: the version's OpenAPI v3 schema (types, enums, patterns, required fields, and no
 * field the schema does not declare, since server-side apply with strict field validation refuses
 * those) and its `x-kubernetes-validations` rules, written in CEL. A subset of CEL is evaluated here
 * (the macros, functions and operators the CRDs in `charts/upstream/` use); a rule outside it is
 * reported as not evaluated rather than passed silently, so a test can demand that none are.
 *
 * Kubernetes reference: https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#validation-rules
 * (transition rules, the ones that read `oldSelf`, only run on update and are skipped on create).
 */
import Ajv, { type ErrorObject } from "ajv";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { CelError, evaluateCel, UnsupportedCel } from "./cel";
import { isRecord } from "./schema";

/** A node of a CRD's OpenAPI v3 schema, as far as this checker reads it. */
interface SchemaNode {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly items?: SchemaNode;
  readonly "x-kubernetes-preserve-unknown-fields"?: boolean;
  readonly "x-kubernetes-validations"?: readonly {
    readonly rule: string;
    readonly message?: string;
  }[];
  readonly [key: string]: unknown;
}

/** What a check found: schema and rule failures, and the rules it could not evaluate. */
export interface CrdValidation {
  readonly errors: string[];
  /** Rules outside the evaluated CEL subset, as `path: rule`. */
  readonly unevaluated: string[];
  /** How many rules were evaluated (passed or failed). */
  readonly evaluated: number;
}

/** One served version of a CRD: its group, kind and schema. */
export interface CrdVersion {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly schema: SchemaNode;
}

/** Reads every CRD version in a YAML file. */
export function readCrd(file: string): CrdVersion[] {
  return parseAllDocuments(readFileSync(file, "utf8"))
    .map((document) => document.toJS() as unknown)
    .filter(isRecord)
    .filter((document) => document.kind === "CustomResourceDefinition")
    .flatMap((document) => {
      const spec = document.spec as {
        group: string;
        names: { kind: string };
        versions: { name: string; schema: { openAPIV3Schema: SchemaNode } }[];
      };
      return spec.versions.map((version) => ({
        group: spec.group,
        kind: spec.names.kind,
        version: version.name,
        schema: version.schema.openAPIV3Schema,
      }));
    });
}

/** Validates one object (apiVersion, kind, metadata, spec) against the matching CRD version. */
export function validateCustomObject(
  crds: readonly CrdVersion[],
  object: Readonly<Record<string, unknown>>,
): CrdValidation {
  const apiVersion = String(object.apiVersion);
  const crd = crds.find(
    (candidate) =>
      `${candidate.group}/${candidate.version}` === apiVersion && candidate.kind === object.kind,
  );
  if (crd === undefined) {
    return {
      errors: [
        `${String(object.kind)} ${apiVersion}: no such kind and version in the CRDs (${crds.map((c) => `${c.kind} ${c.group}/${c.version}`).join(", ")})`,
      ],
      unevaluated: [],
      evaluated: 0,
    };
  }
  // metadata is checked by the API server's own rules, not the CRD's schema.
  const body = Object.fromEntries(Object.entries(object).filter(([key]) => key !== "metadata"));
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(closed(crd.schema));
  const errors = validate(body) ? [] : (validate.errors ?? []).map(describeSchemaError);
  const result = { errors, unevaluated: [] as string[], evaluated: 0 };
  checkRules(crd.schema, body, "", result);
  return result;
}

/**
 * The schema with `additionalProperties: false` wherever properties are listed and nothing else
 * allows more: the API server prunes or (strict field validation) refuses undeclared fields.
 */
function closed(node: SchemaNode): SchemaNode {
  const properties =
    node.properties === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(node.properties).map(([key, child]) => [key, closed(child)]),
        );
  const additional =
    typeof node.additionalProperties === "object"
      ? closed(node.additionalProperties)
      : node.additionalProperties;
  return {
    ...node,
    ...(properties === undefined ? {} : { properties }),
    ...(node.items === undefined ? {} : { items: closed(node.items) }),
    ...(additional !== undefined
      ? { additionalProperties: additional }
      : properties !== undefined && node["x-kubernetes-preserve-unknown-fields"] !== true
        ? { additionalProperties: false }
        : {}),
  };
}

function describeSchemaError(error: ErrorObject): string {
  const path = error.instancePath === "" ? "(object)" : error.instancePath;
  const extra =
    error.keyword === "additionalProperties"
      ? ` (${(error.params as { additionalProperty: string }).additionalProperty})`
      : error.keyword === "enum"
        ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.join(", ")})`
        : "";
  return `${path}: ${error.message ?? error.keyword}${extra}`;
}

/** Walks the schema and the value together and evaluates each node's rules on its value. */
function checkRules(
  node: SchemaNode,
  value: unknown,
  path: string,
  result: { errors: string[]; unevaluated: string[]; evaluated: number },
): void {
  if (value === undefined) {
    return;
  }
  for (const { rule, message } of node["x-kubernetes-validations"] ?? []) {
    if (/\boldSelf\b/.test(rule)) {
      continue; // a transition rule: not run on create
    }
    try {
      const outcome = evaluateCel(rule, value);
      result.evaluated += 1;
      if (outcome !== true) {
        result.errors.push(`${path || "(object)"}: ${message ?? `failed rule ${rule}`}`);
      }
    } catch (error) {
      if (error instanceof UnsupportedCel) {
        result.unevaluated.push(`${path || "(object)"}: ${rule} (${error.message})`);
      } else if (error instanceof CelError) {
        // The API server refuses an object whose rule errors (a missing key, a wrong type).
        result.evaluated += 1;
        result.errors.push(`${path || "(object)"}: ${rule}: ${error.message}`);
      } else {
        throw error;
      }
    }
  }
  if (Array.isArray(value) && node.items !== undefined) {
    const items = node.items;
    for (const [index, item] of value.entries()) {
      checkRules(items, item, `${path}/${index}`, result);
    }
  } else if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) {
      const childNode =
        node.properties?.[key] ??
        (typeof node.additionalProperties === "object" ? node.additionalProperties : undefined);
      if (childNode !== undefined) {
        checkRules(childNode, child, `${path}/${key}`, result);
      }
    }
  }
}
