import { describe, expect, it } from "vitest";
import { evaluate, RULES, type PlannedResource } from ".";
import { UNKNOWN } from "./resource-facts";
import { residencyBoundLocations, residencyRoutingFailsClosed } from "./routing";

const PROVIDER_URN = "urn:pulumi:me-south-1::knowledgecity::pulumi:providers:aws::aws-me-south-1";

const provider: PlannedResource = {
  urn: PROVIDER_URN,
  type: "pulumi:providers:aws",
  name: "aws-me-south-1",
  region: "me-south-1",
  inputs: {
    region: "me-south-1",
    defaultTags: JSON.stringify({
      tags: { Project: "knowledgecity", Stack: "me-south-1", Jurisdiction: "SA" },
    }),
  },
  dependsOn: [],
};

const settings = { stack: "me-south-1", allowedRegions: ["me-south-1"] };

const ALB = { name: "alb-1.me-south-1.elb.amazonaws.com", zoneId: "ZS929ML54UICD" };
const HEALTH_CHECK_ID = "d2fbb19b-59dd-9a1c-47f2-b8749ee343dd";

/** A geolocation record of `api.knowledgecity.com`, as GeoDns writes it, with `inputs` on top. */
function geoRecord(
  name: string,
  location: Readonly<Record<string, string>>,
  inputs: Readonly<Record<string, unknown>> = {},
): PlannedResource {
  return {
    urn: `urn:pulumi:me-south-1::knowledgecity::aws:route53/record:Record::${name}`,
    type: "aws:route53/record:Record",
    name,
    provider: PROVIDER_URN,
    region: "me-south-1",
    inputs: {
      zoneId: "Z0ZONE0000",
      name: "api.knowledgecity.com",
      type: "A",
      setIdentifier: name,
      geolocationRoutingPolicies: [location],
      aliases: [{ ...ALB, evaluateTargetHealth: false }],
      ...inputs,
    },
    dependsOn: [],
  };
}

function messages(...resources: PlannedResource[]): string[] {
  return evaluate([provider, ...resources], settings, [residencyRoutingFailsClosed]).map(
    (violation) => violation.message,
  );
}

const FALLBACK =
  "when it is unhealthy Route 53 answers those viewers with the continent or default record of another jurisdiction's stack";

describe("residency-routing-fails-closed", () => {
  it("is one of the rules the plan and the pack run, mandatory", () => {
    expect(RULES).toContain(residencyRoutingFailsClosed);
    expect(residencyRoutingFailsClosed.enforcement).toBe("mandatory");
  });

  it("passes country records with no health check and no target health evaluation", () => {
    expect(
      messages(geoRecord("sa", { country: "SA" }), geoRecord("ae", { country: "AE" })),
    ).toEqual([]);
  });

  it("catches a country record with a health check, naming the country and the jurisdiction", () => {
    const record = geoRecord("sa", { country: "SA" }, { healthCheckId: HEALTH_CHECK_ID });
    expect(evaluate([provider, record], settings, [residencyRoutingFailsClosed])).toEqual([
      {
        rule: "residency-routing-fails-closed",
        urn: record.urn,
        enforcement: "mandatory",
        message: `aws:route53/record:Record sa routes SA, residency-bound to jurisdiction SA (stack me-south-1), with a health check (healthCheckId): ${FALLBACK}; remove healthCheckId (monitor the health check instead)`,
      },
    ]);
  });

  it("catches a health check the engine knows only after apply (a preview)", () => {
    expect(messages(geoRecord("sa", { country: "SA" }, { healthCheckId: UNKNOWN }))).toHaveLength(
      1,
    );
  });

  it("catches an alias that evaluates its target's health, naming the alias", () => {
    const record = geoRecord(
      "qa",
      { country: "QA" },
      {
        aliases: [
          { ...ALB, evaluateTargetHealth: false },
          { ...ALB, evaluateTargetHealth: true },
        ],
      },
    );
    expect(messages(record)).toEqual([
      `aws:route53/record:Record qa routes QA, residency-bound to jurisdiction SA (stack me-south-1), with aliases[1].evaluateTargetHealth = true: ${FALLBACK}; set it to false`,
    ]);
  });

  it("reports both faults of one record, and reads aliases given as JSON text", () => {
    const record = geoRecord(
      "kw",
      { country: "KW" },
      {
        healthCheckId: HEALTH_CHECK_ID,
        aliases: JSON.stringify([{ ...ALB, evaluateTargetHealth: true }]),
      },
    );
    expect(messages(record)).toEqual([
      expect.stringContaining("with a health check (healthCheckId)"),
      expect.stringContaining("with aliases[0].evaluateTargetHealth = true"),
    ]);
  });

  it("catches continent and subdivision records too: they fall back to the default record", () => {
    expect(
      messages(
        geoRecord("asia", { continent: "AS" }, { healthCheckId: HEALTH_CHECK_ID }),
        geoRecord(
          "us-tx",
          { country: "US", subdivision: "TX" },
          { healthCheckId: HEALTH_CHECK_ID },
        ),
      ).map((message) => message.split(", residency-bound")[0]),
    ).toEqual([
      "aws:route53/record:Record asia routes continent AS",
      "aws:route53/record:Record us-tx routes US-TX",
    ]);
  });

  it("leaves the default record alone: it is the broadest match and falls back to nothing", () => {
    expect(
      messages(
        geoRecord(
          "default",
          { country: "*" },
          {
            healthCheckId: HEALTH_CHECK_ID,
            aliases: [{ ...ALB, evaluateTargetHealth: true }],
          },
        ),
      ),
    ).toEqual([]);
  });

  it("leaves records without geolocation alone (the explicit regional hostname)", () => {
    const regional: PlannedResource = {
      ...geoRecord("regional", { country: "SA" }),
      inputs: {
        name: "api.sa.knowledgecity.com",
        type: "A",
        aliases: [{ ...ALB, evaluateTargetHealth: true }],
      },
    };
    expect(residencyBoundLocations(regional)).toEqual([]);
    expect(messages(regional)).toEqual([]);
  });

  it("names the stack when the provider carries no jurisdiction", () => {
    const record = geoRecord("sa", { country: "SA" }, { healthCheckId: HEALTH_CHECK_ID });
    const untagged = { ...provider, inputs: { region: "me-south-1" } };
    expect(
      evaluate([untagged, record], settings, [residencyRoutingFailsClosed]).map((v) => v.message),
    ).toEqual([
      expect.stringContaining(
        "routes SA, residency-bound to the jurisdiction of stack me-south-1,",
      ),
    ]);
  });
});
