/** The mock engine itself: how it resolves regions and records parents, providers and dependencies. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { runInMockEngine } from "../tools/plan/engine";

const base = { project: "knowledgecity", stack: "test", config: { "aws:region": "me-south-1" } };

describe("the mock engine", () => {
  it("resolves each resource's region from its own input, else its provider, else the stack", async () => {
    const run = await runInMockEngine({
      ...base,
      program: () => {
        const home = new aws.Provider("home", { region: "me-south-1" });
        const global = new aws.Provider("global", { region: "us-east-1" });
        new aws.sqs.Queue("local", {}, { provider: home });
        new aws.sqs.Queue("edge", {}, { provider: global });
        new aws.sqs.Queue("pinned", { region: "eu-west-1" }, { provider: home });
      },
    });
    const regionOf = (name: string) => run.resources.find((r) => r.name === name)?.region;
    expect([regionOf("local"), regionOf("edge"), regionOf("pinned"), regionOf("global")]).toEqual([
      "me-south-1",
      "us-east-1",
      "eu-west-1",
      "us-east-1",
    ]);
  });

  it("records parents, providers and dependencies", async () => {
    const run = await runInMockEngine({
      ...base,
      program: () => {
        const provider = new aws.Provider("home", { region: "me-south-1" });
        const group = new pulumi.ComponentResource(
          "test:index:Group",
          "group",
          {},
          { providers: [provider] },
        );
        const queue = new aws.sqs.Queue("dlq", {}, { parent: group });
        new aws.sqs.Queue(
          "work",
          { redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: queue.arn }) },
          { parent: group },
        );
      },
    });
    const work = run.resources.find((r) => r.name === "work");
    const dlq = run.resources.find((r) => r.name === "dlq");
    expect(work?.parent).toBe(run.resources.find((r) => r.name === "group")?.urn);
    expect(work?.provider).toBe(run.resources.find((r) => r.name === "home")?.urn);
    expect(work?.dependsOn).toEqual([dlq?.urn]);
    const redrive = JSON.parse(String(work?.inputs.redrivePolicy)) as {
      deadLetterTargetArn: string;
    };
    expect(redrive.deadLetterTargetArn).toMatch(
      /^arn:aws:sqs:me-south-1:111122223333:dlq-[0-9a-f]{7}$/,
    );
  });

  it("answers realistic zones for the provider's region", async () => {
    let zones: string[] = [];
    await runInMockEngine({
      ...base,
      program: async () => {
        const provider = new aws.Provider("home", { region: "me-south-1" });
        zones = (await aws.getAvailabilityZones({}, { provider })).names;
      },
    });
    expect(zones).toEqual(["me-south-1a", "me-south-1b", "me-south-1c"]);
  });

  it("resolves the public Amazon Linux 2023 SSM parameter to an image id of the region", async () => {
    const ids: string[] = [];
    await runInMockEngine({
      ...base,
      program: async () => {
        const name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";
        for (const region of ["me-south-1", "us-east-1"]) {
          const provider = new aws.Provider(region, { region });
          ids.push((await aws.ssm.getParameter({ name }, { provider })).value);
        }
      },
    });
    expect(ids).toHaveLength(2);
    expect(ids.every((id) => /^ami-0[0-9a-f]{16}$/.test(id))).toBe(true);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it("refuses to invent private SSM parameters", async () => {
    await expect(
      runInMockEngine({
        ...base,
        program: async () => {
          await aws.ssm.getParameter({ name: "/knowledgecity/db/password" });
        },
      }),
    ).rejects.toThrow(/no mock value for the SSM parameter \/knowledgecity\/db\/password/);
  });

  it("answers zone filters as EC2 does: an opt-in region's zones are not opt-in-not-required", async () => {
    const found: Record<string, string[]> = {};
    await runInMockEngine({
      ...base,
      program: async () => {
        const provider = new aws.Provider("home", { region: "me-south-1" });
        const zones = (name: string, values: string[]) =>
          aws.getAvailabilityZones({ filters: [{ name, values }] }, { provider });
        found.optIn = (await zones("opt-in-status", ["opt-in-not-required"])).names;
        found.zoneType = (await zones("zone-type", ["availability-zone"])).names;
      },
    });
    expect(found).toEqual({ optIn: [], zoneType: ["me-south-1a", "me-south-1b", "me-south-1c"] });
  });

  it("fails on an invoke nobody answered", async () => {
    await expect(
      runInMockEngine({
        ...base,
        program: async () => {
          await aws.ec2.getVpc({ default: true });
        },
      }),
    ).rejects.toThrow(/unexpected invoke aws:ec2\/getVpc:getVpc/);
  });

  it("fails when two resources would share a URN", async () => {
    await expect(
      runInMockEngine({
        ...base,
        program: () => {
          const provider = new aws.Provider("home", { region: "me-south-1" });
          new aws.sqs.Queue("same", {}, { provider });
          new aws.sqs.Queue("same", {}, { provider });
        },
      }),
    ).rejects.toThrow(/duplicate resource URN \S+::same: two resources share a type and a name/);
  });
});
