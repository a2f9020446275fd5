/**
 * The IAM check of a planned stack: every required path allowed (with the KMS call its service
 * makes on an encrypted resource, against the caller's policies and the key policy), every
 * must-deny path denied, and every policy document made only of actions, condition keys and ARNs
 * that the IAM catalogue knows.
 */
import { checkCatalogue, formatCatalogProblem } from "./catalog";
import { loadIamModel } from "./loader";
import {
  resourceKey,
  TYPES,
  type Encryption,
  type IamModel,
  type PolicyDocument,
  type ResourceEntry,
} from "./model";
import { mustDenyPaths, requiredPaths, type Caller, type IamPath } from "./paths";
import { simulate, type SimulationRequest } from "./simulate";
import type { RecordedResource } from "../engine";

/** The outcome of one evaluated request. */
export interface PathResult {
  readonly expectation: "allow" | "deny";
  readonly caller: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: string;
  readonly passed: boolean;
  /** Why the path exists, and what decided. */
  readonly why: string;
  readonly detail: string;
}

/** The check's verdict on one stack. */
export interface IamReport {
  readonly stack: string;
  readonly results: readonly PathResult[];
  /** Catalogue problems and paths the check could not evaluate (unknown callers or targets). */
  readonly problems: readonly string[];
}

/** Which paths a check evaluates (tests plant faults through these). */
export interface IamCheckOptions {
  readonly required?: (model: IamModel) => readonly IamPath[];
  readonly mustDeny?: (model: IamModel) => readonly IamPath[];
}

/** Checks the IAM of one planned stack. */
export async function checkStackIam(
  stack: string,
  region: string,
  recorded: readonly RecordedResource[],
  options: IamCheckOptions = {},
): Promise<IamReport> {
  return checkModel(loadIamModel(stack, region, recorded), options);
}

/** Checks a loaded model. */
export async function checkModel(
  model: IamModel,
  options: IamCheckOptions = {},
): Promise<IamReport> {
  const problems: string[] = [...model.problems.map((p) => `IAM plan: ${p}`)];
  problems.push(...(await checkCatalogue(model.documents)).map(formatCatalogProblem));
  const results: PathResult[] = [];
  for (const path of (options.required ?? requiredPaths)(model)) {
    results.push(...(await evaluate(model, path, "allow", problems)));
  }
  for (const path of (options.mustDeny ?? mustDenyPaths)(model)) {
    results.push(...(await evaluate(model, path, "deny", problems)));
  }
  return { stack: model.stack, results, problems };
}

/** One line per failure: caller, action, resource and why; then the catalogue's problems. */
export function failureLines(report: IamReport): string[] {
  return [
    ...report.results
      .filter((result) => !result.passed)
      .map(
        (result) =>
          `IAM ${report.stack}: ${result.caller} ${result.action} on ${result.resource}: ${result.decision}, must be ${result.expectation === "allow" ? "allowed" : "denied"} (${result.why}; ${result.detail})`,
      ),
    ...report.problems.map((problem) => `IAM ${report.stack}: ${problem}`),
  ];
}

/** `IAM: N paths allowed, M denied as required` plus what failed. */
export function summaryLine(report: IamReport): string {
  const allowed = report.results.filter((r) => r.expectation === "allow" && r.passed).length;
  const denied = report.results.filter((r) => r.expectation === "deny" && r.passed).length;
  const failed = report.results.filter((r) => !r.passed).length;
  return `IAM ${report.stack}: ${allowed} paths allowed, ${denied} denied as required${failed + report.problems.length === 0 ? "" : `; ${failed} path(s) failed, ${report.problems.length} other problem(s)`}`;
}

/** Whether the report has no failure. */
export function passed(report: IamReport): boolean {
  return report.problems.length === 0 && report.results.every((result) => result.passed);
}

/** What the KMS call of a service looks like for each data action on an encrypted resource. */
const KMS_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  "s3:GetObject": ["kms:Decrypt"],
  "s3:PutObject": ["kms:GenerateDataKey"],
  "sqs:SendMessage": ["kms:GenerateDataKey", "kms:Decrypt"],
  "sqs:ReceiveMessage": ["kms:Decrypt"],
  "sns:Publish": ["kms:GenerateDataKey", "kms:Decrypt"],
  "secretsmanager:GetSecretValue": ["kms:Decrypt"],
  "kinesis:GetRecords": ["kms:Decrypt"],
  "kinesis:PutRecord": ["kms:GenerateDataKey"],
  "kinesis:PutRecords": ["kms:GenerateDataKey"],
  "dynamodb:GetItem": ["kms:Decrypt"],
  "dynamodb:BatchGetItem": ["kms:Decrypt"],
  "dynamodb:Query": ["kms:Decrypt"],
  "dynamodb:Scan": ["kms:Decrypt"],
  "dynamodb:PutItem": ["kms:Decrypt"],
  "dynamodb:UpdateItem": ["kms:Decrypt"],
  "dynamodb:DeleteItem": ["kms:Decrypt"],
};

const ADMIN_POLICY: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [{ Sid: "AdministersTheAccount", Effect: "Allow", Action: "*", Resource: "*" }],
};
/** An account that is not the stack's. */
const OUTSIDE_ACCOUNT = "999988887777";

interface ResolvedCaller {
  readonly label: string;
  /** The caller's ARN, or `anonymous` for an unsigned request. */
  readonly arn: string;
  readonly account: string;
  readonly policies: readonly { readonly name: string; readonly document: PolicyDocument }[];
  /**
   * ARNs of attached policies the plan does not show (AWS managed): not simulated, and named in
   * the result; a path that must hold whatever they allow is `unrestricted`.
   */
  readonly opaque: readonly string[];
}

function resolveCaller(model: IamModel, caller: Caller): ResolvedCaller | string {
  if ("role" in caller) {
    const principal = model.principals.get(caller.role);
    if (principal === undefined) {
      return `caller ${caller.role} is no role of the plan`;
    }
    return {
      label: caller.role,
      arn: principal.arn,
      account: model.accountId,
      policies: principal.policies,
      opaque: principal.opaquePolicies,
    };
  }
  switch (caller.synthetic) {
    case "admin":
      return {
        label: "an account administrator (* on *)",
        arn: `arn:${model.partition}:iam::${model.accountId}:role/account-administrator`,
        account: model.accountId,
        policies: [{ name: "administrator", document: ADMIN_POLICY }],
        opaque: [],
      };
    case "outsider":
      return {
        label: "a role of another account",
        arn: `arn:${model.partition}:iam::${OUTSIDE_ACCOUNT}:role/outsider`,
        account: OUTSIDE_ACCOUNT,
        policies: [{ name: "its-own-account-allows-everything", document: ADMIN_POLICY }],
        opaque: [],
      };
    case "anonymous":
      return {
        label: "an anonymous request",
        arn: "anonymous",
        account: "",
        policies: [],
        opaque: [],
      };
  }
}

function resolveTarget(model: IamModel, path: IamPath): ResourceEntry | string {
  if (path.target.type === "role") {
    const principal = model.principals.get(path.target.name);
    return principal === undefined
      ? `target role ${path.target.name} is no role of the plan`
      : { type: TYPES.role, name: principal.name, arn: principal.arn, region: model.region };
  }
  const entry = model.resources.get(resourceKey(TYPES[path.target.type], path.target.name));
  if (entry === undefined) {
    return `target ${path.target.type} ${path.target.name} is no resource of the plan`;
  }
  if (path.target.dbUser !== undefined) {
    if (entry.dbUserArnPrefix === undefined) {
      return `target ${path.target.name} has no resource id for IAM database authentication`;
    }
    // `inRegion`: the same cluster id and user in another region (another stack's shard there).
    const region = path.target.inRegion ?? entry.region;
    const prefix = entry.dbUserArnPrefix.replace(`:rds-db:${entry.region}:`, `:rds-db:${region}:`);
    return {
      type: entry.type,
      name: entry.name,
      region,
      arn: `${prefix}/${path.target.dbUser}`,
    };
  }
  return entry;
}

async function evaluate(
  model: IamModel,
  path: IamPath,
  expectation: "allow" | "deny",
  problems: string[],
): Promise<PathResult[]> {
  const caller = resolveCaller(model, path.caller);
  const target = resolveTarget(model, path);
  if (typeof caller === "string" || typeof target === "string") {
    problems.push(
      `path ${path.action} (${path.why}): ${typeof caller === "string" ? caller : ""}${typeof caller === "string" && typeof target === "string" ? "; " : ""}${typeof target === "string" ? target : ""}`,
    );
    return [];
  }
  const resourceArn =
    path.target.wildcard === true ? "*" : `${target.arn}${path.target.suffix ?? ""}`;
  const unrestricted = expectation === "deny" && path.identity === "unrestricted";
  const identityPolicies = unrestricted
    ? [
        ...caller.policies,
        { name: "stand-in-for-any-grant", document: grant(path.action, resourceArn) },
      ]
    : caller.policies;
  const base = {
    principal: caller.arn,
    principalAccount: caller.account,
    resourceAccount: model.accountId,
  };
  const results: PathResult[] = [];
  const record = async (request: SimulationRequest, why: string): Promise<void> => {
    const outcome = await simulate(request);
    const passed =
      outcome.decision !== "Error" &&
      (expectation === "allow" ? outcome.decision === "Allowed" : outcome.decision !== "Allowed");
    results.push({
      expectation,
      caller: caller.label,
      action: request.action,
      resource: request.resourceArn,
      decision: outcome.decision,
      passed,
      why,
      detail:
        unrestricted || caller.opaque.length === 0
          ? outcome.detail
          : `${outcome.detail}; not simulated: ${caller.opaque.join(", ")}`,
    });
  };
  await record(
    {
      ...base,
      action: path.action,
      resourceArn,
      identityPolicies,
      ...(target.policy === undefined ? {} : { resourcePolicy: target.policy }),
      context: {
        "aws:SecureTransport": "true",
        "aws:RequestedRegion": target.region,
        ...(path.action.startsWith("kms:") ? kmsContext(caller.account, target) : {}),
        ...path.context,
      },
    },
    path.why,
  );
  // The service's own call to KMS, made for the caller, on a required path.
  const kmsActions = KMS_ACTIONS[path.action];
  if (expectation === "allow" && target.encryption !== undefined && kmsActions !== undefined) {
    const key = [...model.resources.values()].find(
      (entry) => entry.arn === target.encryption?.keyArn,
    );
    if (key === undefined) {
      problems.push(`${target.name}: its key ${target.encryption.keyArn} is no key of the plan`);
      return results;
    }
    for (const action of kmsActions) {
      await record(
        {
          ...base,
          action,
          resourceArn: key.arn,
          identityPolicies,
          ...(key.policy === undefined ? {} : { resourcePolicy: key.policy }),
          context: {
            "aws:SecureTransport": "true",
            ...kmsContext(caller.account, key),
            "kms:ViaService": `${target.encryption.service}.${target.region}.amazonaws.com`,
            ...encryptionContext(target, resourceArn, target.encryption, model.accountId),
          },
        },
        `${path.why}: ${target.encryption.service} uses ${key.name} for the caller`,
      );
    }
  }
  return results;
}

/** What KMS knows of every request: the caller's account and the key's aliases. */
function kmsContext(
  account: string,
  key: ResourceEntry,
): Record<string, string | readonly string[]> {
  return {
    "kms:CallerAccount": account,
    ...(key.aliases === undefined || key.aliases.length === 0
      ? {}
      : { "kms:ResourceAliases": key.aliases }),
  };
}

/** A stand-in identity statement: the caller's own policies allow the request. */
function grant(action: string, resourceArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "AssumeItsPoliciesAllowThis", Effect: "Allow", Action: action, Resource: resourceArn },
    ],
  };
}

/**
 * The encryption context each service sends with its KMS calls.
 * S3: https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context
 * DynamoDB: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.howitworks.html
 * SQS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
 * Secrets Manager: https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
 */
function encryptionContext(
  target: ResourceEntry,
  resourceArn: string,
  encryption: Encryption,
  accountId: string,
): Record<string, string> {
  const prefix = "kms:EncryptionContext:";
  switch (encryption.service) {
    case "s3":
      return { [`${prefix}aws:s3:arn`]: encryption.bucketKey === true ? target.arn : resourceArn };
    case "dynamodb":
      return {
        [`${prefix}aws:dynamodb:tableName`]: target.arn.split(":table/")[1] ?? "",
        [`${prefix}aws:dynamodb:subscriberId`]: accountId,
      };
    case "sqs":
      return { [`${prefix}aws:sqs:arn`]: target.arn };
    case "sns":
      return { [`${prefix}aws:sns:topicArn`]: target.arn };
    case "secretsmanager":
      return { [`${prefix}SecretARN`]: target.arn };
    case "kinesis":
      return { [`${prefix}aws:kinesis:arn`]: target.arn };
  }
}
