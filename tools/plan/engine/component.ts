/**
 * Runs one component under the mock engine behind an explicit provider, the way the stack
 * program does, for component tests.
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import type { ProviderResource } from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AwsContext } from "../../../components/shared/context";
import { runInMockEngine, type EngineRun } from "./engine";

/** The account and region component tests deploy to. */
export const TEST_CONTEXT: AwsContext = {
  accountId: "111122223333",
  partition: "aws",
  region: "me-south-1",
  dnsSuffix: "amazonaws.com",
};

/** How to run a component: its region, and what the account is taken to have already. */
export interface ComponentRunOptions {
  /** @default TEST_CONTEXT.region */
  readonly region?: string;
  /**
   * Role ARNs that a test passes as stand-ins for what a stack takes from config (admin or
   * writer roles): policies may name them although the component neither creates nor looks
   * them up.
   */
  readonly knownPrincipals?: readonly string[];
}

/**
 * Runs `build` with a provider for the test region (and one per extra region). The second
 * argument is the region, or the options.
 */
export function runComponent(
  build: (provider: aws.Provider, providerFor: (region: string) => aws.Provider) => unknown,
  regionOrOptions: string | ComponentRunOptions = {},
): Promise<EngineRun> {
  const options: ComponentRunOptions =
    typeof regionOrOptions === "string" ? { region: regionOrOptions } : regionOrOptions;
  const region = options.region ?? TEST_CONTEXT.region;
  return runInMockEngine({
    project: "knowledgecity",
    stack: "test",
    config: { "aws:region": region },
    ...(options.knownPrincipals === undefined ? {} : { knownPrincipals: options.knownPrincipals }),
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

const platformProviderSets = new WeakMap<ProviderResource, ProviderResource[]>();

/**
 * The providers the stack program gives the platform besides AWS's (random and eks), made once
 * per AWS provider, so a test that builds several components in one run passes the same ones
 * (two providers of one name in a run collide).
 */
export function platformProviders(awsProvider: ProviderResource): ProviderResource[] {
  const known = platformProviderSets.get(awsProvider);
  if (known !== undefined) {
    return known;
  }
  const providers = [awsProvider, new random.Provider("random"), new eks.Provider("eks")];
  platformProviderSets.set(awsProvider, providers);
  return providers;
}
