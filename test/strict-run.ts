/**
 * Small programs run under the strict mock engine, for the engine's own tests: the strict config
 * (default providers disabled), a run, the lines of a refused run, and the providers a program
 * hands its resources.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { runInMockEngine, type EngineRun, type RecordedResource } from "../tools/plan/engine";
import { EngineRuleError } from "../tools/plan/engine/strict-rules";

/** A stack in me-south-1 with every default provider disabled, as the real stack files have it. */
export const STRICT = { "aws:region": "me-south-1", "pulumi:disable-default-providers": '["*"]' };

/** Runs `program` under the mock engine as the stack `test` with `config`. */
export function run(
  program: () => unknown,
  config: Readonly<Record<string, string>> = STRICT,
  knownPrincipals?: readonly string[],
): Promise<EngineRun> {
  return runInMockEngine({
    project: "knowledgecity",
    stack: "test",
    config,
    program,
    ...(knownPrincipals === undefined ? {} : { knownPrincipals }),
  });
}

/** The lines a refused run reports (fails the test when the run is not refused). */
export async function refusal(program: () => unknown, config = STRICT): Promise<string[]> {
  try {
    await run(program, config);
  } catch (error) {
    if (error instanceof EngineRuleError) {
      return error.message.split("\n");
    }
    throw error;
  }
  throw new Error("the run was not refused");
}

/** The one recorded resource of `type`; throws when there is none or more than one. */
export function only(resources: readonly RecordedResource[], type: string): RecordedResource {
  const found = resources.filter((resource) => resource.type === type);
  if (found.length !== 1) {
    throw new Error(`expected one ${type}, found ${found.length}`);
  }
  return found[0] as RecordedResource;
}

/** A component holding the given providers, as the stack program's root component does. */
export function group(providers: pulumi.ProviderResource[]): pulumi.ComponentResource {
  return new pulumi.ComponentResource("test:index:Group", "group", {}, { providers });
}

/** The AWS provider of the stack's home region. */
export const home = (): aws.Provider => new aws.Provider("home", { region: "me-south-1" });
