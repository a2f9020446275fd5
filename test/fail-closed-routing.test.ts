/**
 * Routing fails closed for residency-bound countries, proven on the real plan: no geolocation
 * record that a stack writes for its countries can be skipped by Route 53, and the plan's policy
 * check catches one that could.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../policy/rules";
import { planStack, type StackPlan } from "../tools/plan/document";
import { list, record, type RecordedResource } from "../tools/plan/engine";

let saudi: StackPlan;
beforeAll(async () => {
  saudi = await planStack("me-south-1");
});

const geolocationRecords = (plan: StackPlan): RecordedResource[] =>
  plan.recorded.filter(
    (r) =>
      r.type === "aws:route53/record:Record" && Array.isArray(r.inputs.geolocationRoutingPolicies),
  );

/** The plan's policy check (as planStack runs it) over `resources`. */
function violationsOf(plan: StackPlan, resources: readonly RecordedResource[]) {
  return evaluate(resources, {
    stack: plan.document.stack,
    allowedRegions: plan.config.allowedRegions,
    homeRegions: Object.keys(plan.config.homeRegion?.hostnames ?? {}),
  }).filter((violation) => violation.rule === "residency-routing-fails-closed");
}

describe("me-south-1: routing of residency-bound countries fails closed", () => {
  it("writes a record per GCC country, none of which Route 53 could skip", () => {
    const records = geolocationRecords(saudi);
    expect(
      records.map((r) => record(list(r.inputs.geolocationRoutingPolicies)[0]).country).sort(),
    ).toEqual([...saudi.config.dns.geolocation.countries].sort());
    for (const r of records) {
      expect(r.inputs.healthCheckId, r.name).toBeUndefined();
      expect(
        list(r.inputs.aliases).map((alias) => record(alias).evaluateTargetHealth),
        r.name,
      ).toEqual([false]);
    }
    // The health check still watches the regional hostname.
    expect(
      saudi.recorded
        .filter((r) => r.type === "aws:route53/healthCheck:HealthCheck")
        .map((r) => r.inputs.fqdn),
    ).toEqual(["api.sa.knowledgecity.com"]);
  });

  it("plans with no routing violation, and the plan's check catches a planted fail-over", () => {
    expect(saudi.document.violations).toEqual([]);
    expect(violationsOf(saudi, saudi.recorded)).toEqual([]);
    const healthCheck = saudi.recorded.find(
      (r) => r.type === "aws:route53/healthCheck:HealthCheck",
    );
    const planted = saudi.recorded.map((r) =>
      geolocationRecords(saudi).includes(r) &&
      record(list(r.inputs.geolocationRoutingPolicies)[0]).country === "SA"
        ? { ...r, inputs: { ...r.inputs, healthCheckId: healthCheck?.id } }
        : r,
    );
    expect(violationsOf(saudi, planted).map((v) => [v.enforcement, v.message])).toEqual([
      [
        "mandatory",
        expect.stringMatching(
          /^aws:route53\/record:Record kc-dns-api\.knowledgecity\.com-sa routes SA, residency-bound to jurisdiction SA \(stack me-south-1\), with a health check/,
        ),
      ],
    ]);
  });
});
