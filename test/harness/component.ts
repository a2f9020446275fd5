/**
 * Runs one component under the mock engine behind an explicit provider, the way the stack
 * program does, for component tests.
 */
import * as aws from "@pulumi/aws";
import type { AwsContext } from "../../components/context";
import { runInMockEngine, type EngineRun } from "./engine";

/** The account and region component tests deploy to. */
export const TEST_CONTEXT: AwsContext = {
  accountId: "111122223333",
  partition: "aws",
  region: "me-south-1",
  dnsSuffix: "amazonaws.com",
};

/** Runs `build` with a provider for the test region (and one per extra region). */
export function runComponent(
  build: (provider: aws.Provider, providerFor: (region: string) => aws.Provider) => unknown,
  region: string = TEST_CONTEXT.region,
): Promise<EngineRun> {
  return runInMockEngine({
    project: "knowledgecity",
    stack: "test",
    config: { "aws:region": region },
    program: () => {
      const providers = new Map<string, aws.Provider>();
      const providerFor = (name: string): aws.Provider => {
        const existing = providers.get(name);
        if (existing !== undefined) {
          return existing;
        }
        const created = new aws.Provider(`aws-${name}`, { region: name });
        providers.set(name, created);
        return created;
      };
      return build(providerFor(region), providerFor);
    },
  });
}
