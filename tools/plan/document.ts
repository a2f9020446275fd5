/**
 * The plan of one stack: the program run under the mock engine, its resources with their
 * resolved regions, and the policy violations. `PlanDocument` is the public JSON contract.
 */
import { evaluate, type Violation } from "../../policy/rules";
import { runStack, type EngineRun, type RecordedResource } from "./engine";
import { decodeConfigValue, parseStackConfig, type StackConfig } from "../../stacks/config";

/** A resource in the JSON contract. */
export interface PlanResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  readonly provider: string | null;
  readonly region: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly dependsOn: readonly string[];
  /**
   * Whether it is a custom (cloud) resource, a provider included; false for components, remote
   * components (`eks:index:Cluster`) and the stack. Added later: plans saved before it lack it
   * (`tools/plan/diagram/plan-index.ts` infers it from the type for those).
   */
  readonly custom: boolean;
}

/** The plan of one stack, as `--format json` writes it (an array of these, one per stack). */
export interface PlanDocument {
  readonly project: string;
  readonly stack: string;
  readonly region: string;
  readonly allowedRegions: readonly string[];
  readonly resources: readonly PlanResource[];
  readonly violations: readonly Violation[];
}

/** A plan together with what the text report and the diagram need besides the contract. */
export interface StackPlan {
  readonly document: PlanDocument;
  readonly config: StackConfig;
  /** Recorded resources, including which are custom (cloud) resources. */
  readonly recorded: readonly RecordedResource[];
  readonly outputs: EngineRun["outputs"];
}

/** Plans one stack. Throws when the program fails (for example on invalid config). */
export async function planStack(
  stack: string,
  overrides: Readonly<Record<string, string>> = {},
): Promise<StackPlan> {
  const run = await runStack(stack, overrides);
  // The program validated this config already; parse it again here to read it, not to judge it.
  const config = configOf(run);
  const resources = run.resources.map(toPlanResource);
  const violations = evaluate(run.resources, {
    stack,
    allowedRegions: config.allowedRegions,
    homeRegions: Object.keys(config.homeRegion?.hostnames ?? {}),
  });
  return {
    document: {
      project: run.project,
      stack,
      region: config.region,
      allowedRegions: config.allowedRegions,
      resources,
      violations,
    },
    config,
    recorded: run.resources,
    outputs: run.outputs,
  };
}

function configOf(run: EngineRun): StackConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(run.config)) {
    raw[key] = decodeConfigValue(value);
  }
  return parseStackConfig(run.stack, raw);
}

function toPlanResource(resource: RecordedResource): PlanResource {
  return {
    urn: resource.urn,
    type: resource.type,
    name: resource.name,
    parent: resource.parent ?? null,
    provider: resource.provider ?? null,
    region: resource.region,
    inputs: resource.inputs,
    dependsOn: resource.dependsOn,
    custom: resource.custom,
  };
}
