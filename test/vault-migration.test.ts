/**
 * The Saudi vault's migration in the real stack's plan: it runs after the cluster's instances
 * exist and before the functions that use the vault, and with the grants it needs.
 */
import { describe, expect, it } from "vitest";
import { Recorded, runStack, type RecordedResource } from "../tools/plan/engine";

/** Whether `resource` depends on the resource with `urn`, directly or through others. */
function dependsOn(recorded: Recorded, resource: RecordedResource, urn: string): boolean {
  const byUrn = new Map(recorded.resources.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const pending = [...resource.dependsOn];
  while (pending.length > 0) {
    const next = pending.pop() as string;
    if (next === urn) return true;
    if (seen.has(next)) continue;
    seen.add(next);
    pending.push(...(byUrn.get(next)?.dependsOn ?? []));
  }
  return false;
}

describe("the Saudi vault's migration in the plan", async () => {
  const recorded = Recorded.of(await runStack("me-south-1"));
  const [invocation, ...others] = recorded.ofType("aws:lambda/invocation:Invocation");

  it("is one Invocation of the migration function", () => {
    expect(others).toEqual([]);
    expect(invocation?.name).toBe("kc-users-vault-migrate");
    const fn = recorded.named("aws:lambda/function:Function", "kc-users-vault-migrate-fn");
    expect(invocation?.inputs.functionName).toBe(fn.state.name);
  });

  it("runs after every instance of the cluster exists", () => {
    // The vault is on the store's first shard (kc-users-cluster); other shards' instances are not
    // its cluster's.
    const cluster = recorded.named("aws:rds/cluster:Cluster", "kc-users-cluster");
    const instances = recorded
      .ofType("aws:rds/clusterInstance:ClusterInstance")
      .filter((instance) => instance.inputs.clusterIdentifier === cluster.id);
    expect(instances).toHaveLength(3);
    for (const instance of instances) {
      expect(invocation?.dependsOn).toContain(instance.urn);
    }
  });

  it("runs before the tokenize and detokenize functions are created", () => {
    for (const name of ["kc-pii-tokenize-fn", "kc-pii-detokenize-fn"]) {
      const fn = recorded.named("aws:lambda/function:Function", name);
      expect({ name, after: dependsOn(recorded, fn, invocation?.urn ?? "") }).toEqual({
        name,
        after: true,
      });
    }
    // And no vault function is a dependency of the migration (no cycle, no early creation).
    const migrationFn = recorded.named("aws:lambda/function:Function", "kc-users-vault-migrate-fn");
    expect(dependsOn(recorded, migrationFn, invocation?.urn ?? "")).toBe(false);
  });

  it("gives each vault function its own database role's secret", () => {
    const secretOf = (name: string) => {
      const fn = recorded.named("aws:lambda/function:Function", name);
      const env = fn.inputs.environment as { variables: Record<string, string> };
      return env.variables.VAULT_SECRET_ARN;
    };
    const arn = (name: string) =>
      recorded.named("aws:secretsmanager/secret:Secret", name).state.arn;
    expect(secretOf("kc-pii-tokenize-fn")).toBe(arn("kc-users-vault-tokenize"));
    expect(secretOf("kc-pii-detokenize-fn")).toBe(arn("kc-users-vault-detokenize"));
  });
});
