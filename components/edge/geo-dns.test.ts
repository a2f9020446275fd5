import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { evaluate } from "../../policy/rules";
import { residencyRoutingFailsClosed } from "../../policy/rules/routing";
import { list, record, Recorded, runComponent } from "../../tools/plan/engine";
import { apiHostnames, GEOLOCATION_COUNTRY_CODES, GeoDns, type GeoDnsArgs } from "./geo-dns";

function run(overrides: Partial<GeoDnsArgs>) {
  const { shared, regional } = apiHostnames("knowledgecity.com", overrides.regionLabel ?? "sa");
  const target = {
    dnsName: pulumi.output("alb-1.me-south-1.elb.amazonaws.com"),
    zoneId: pulumi.output("ZS929ML54UICD"),
  };
  return runComponent((provider) => {
    new GeoDns(
      "dns",
      {
        hostedZoneId: "Z0ZONE0000",
        domain: "knowledgecity.com",
        regionLabel: "sa",
        countries: [],
        isDefault: false,
        targets: { [shared]: target, [regional]: target },
        ...overrides,
      },
      { providers: [provider] },
    );
  });
}

describe("GeoDns", () => {
  it("routes the GCC countries of the Saudi stack to its API, failing closed: no record can be skipped", async () => {
    const recorded = Recorded.of(await run({ countries: ["SA", "AE", "BH", "KW", "OM", "QA"] }));
    const geo = recorded
      .ofType("aws:route53/record:Record")
      .filter((r) => r.inputs.name === "api.knowledgecity.com");
    expect(
      geo.map((r) => record(list(r.inputs.geolocationRoutingPolicies)[0]).country).sort(),
    ).toEqual(["AE", "BH", "KW", "OM", "QA", "SA"]);
    // The health check stays, for monitoring the regional hostname.
    const [health] = recorded.ofType("aws:route53/healthCheck:HealthCheck");
    expect(health?.inputs).toMatchObject({
      type: "HTTPS",
      fqdn: "api.sa.knowledgecity.com",
      resourcePath: "/health",
      port: 443,
    });
    for (const r of geo) {
      // Either would let Route 53 skip the record during a Saudi outage and answer with the
      // default record, the US stack's.
      expect(r.inputs.healthCheckId, String(r.inputs.setIdentifier)).toBeUndefined();
      expect(String(r.inputs.setIdentifier)).toMatch(/^sa-[a-z]{2}$/);
      expect(list(r.inputs.aliases).map(record)).toEqual([
        {
          name: "alb-1.me-south-1.elb.amazonaws.com",
          zoneId: "ZS929ML54UICD",
          evaluateTargetHealth: false,
        },
      ]);
    }
    expect(
      geo.some((r) => record(list(r.inputs.geolocationRoutingPolicies)[0]).country === "*"),
    ).toBe(false);
  });

  it("passes the residency-routing-fails-closed rule, which catches a record that could fail over", async () => {
    const recorded = Recorded.of(await run({ countries: ["SA", "AE"] }));
    const settings = { stack: "me-south-1", allowedRegions: ["me-south-1"] };
    expect(evaluate(recorded.resources, settings, [residencyRoutingFailsClosed])).toEqual([]);
    // Plant the fault: the Saudi record health-checked, as it was before routing failed closed.
    const [health] = recorded.ofType("aws:route53/healthCheck:HealthCheck");
    const planted = recorded.resources.map((r) =>
      r.name === "dns-api.knowledgecity.com-sa"
        ? { ...r, inputs: { ...r.inputs, healthCheckId: health?.id } }
        : r,
    );
    expect(
      evaluate(planted, settings, [residencyRoutingFailsClosed]).map((v) => [v.rule, v.message]),
    ).toEqual([
      [
        "residency-routing-fails-closed",
        expect.stringMatching(
          /^aws:route53\/record:Record dns-api\.knowledgecity\.com-sa routes SA, residency-bound to the jurisdiction of stack me-south-1, with a health check/,
        ),
      ],
    ]);
  });

  it("gives the US stack the default record and its explicit hostname", async () => {
    const recorded = Recorded.of(await run({ regionLabel: "us", isDefault: true }));
    const records = recorded.ofType("aws:route53/record:Record");
    const geo = records.filter((r) => r.inputs.name === "api.knowledgecity.com");
    expect(geo.map((r) => list(r.inputs.geolocationRoutingPolicies).map(record))).toEqual([
      [{ country: "*" }],
    ]);
    expect(records.filter((r) => r.inputs.name === "api.us.knowledgecity.com")).toHaveLength(1);
  });

  it.each([
    [["SA", "XX"], '["XX"]'],
    [["sa"], '["sa"]'],
    [["*"], '["*"]'],
    [["XK"], '["XK"]'],
  ])(
    "refuses %j, which Route 53 geolocation does not take, naming the codes",
    async (countries, named) => {
      await expect(run({ countries })).rejects.toThrow(
        `countries ${named}: Route 53 geolocation takes ISO 3166-1 alpha-2 codes in capitals`,
      );
    },
  );

  it("refuses a country listed twice, whose two records would collide", async () => {
    await expect(run({ countries: ["SA", "AE", "SA"] })).rejects.toThrow(
      'countries ["SA"] are listed twice',
    );
  });

  it("takes Ukraine, which Route 53 names among its supported countries", async () => {
    const recorded = Recorded.of(await run({ countries: ["UA"] }));
    const geo = recorded
      .ofType("aws:route53/record:Record")
      .filter((r) => r.inputs.name === "api.knowledgecity.com");
    expect(geo.map((r) => list(r.inputs.geolocationRoutingPolicies).map(record))).toEqual([
      [{ country: "UA" }],
    ]);
    expect(GEOLOCATION_COUNTRY_CODES.size).toBe(249);
  });

  it("refuses a stack that no viewer would reach", async () => {
    await expect(run({ countries: [], isDefault: false })).rejects.toThrow(
      /no country and no default record is unreachable/,
    );
  });
});
