/**
 * The strict mock engine refuses what the Pulumi engine refuses: resources and invokes without an
 * explicit provider when default providers are disabled, invokes whose answer changes on every run,
 * and it keeps a failed run from reaching the next one. Its mocked formats are tested in
 * `mocked-formats.test.ts`, its policy rules in `strict-policy-rules.test.ts`.
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { describe, expect, it } from "vitest";
import { planStack } from "../tools/plan/document";
import { runInMockEngine } from "../tools/plan/engine";
import { UNSTABLE_INVOKES } from "../tools/plan/engine/strict-rules";
import { group, home, only, refusal, run, STRICT } from "./strict-run";

describe("default providers (pulumi:disable-default-providers)", () => {
  it("refuses a resource of any package without an explicit provider, naming its URN", async () => {
    const lines = await refusal(() => {
      const parent = group([home()]);
      new random.RandomPassword("db", { length: 32 }, { parent });
      new tls.PrivateKey("signing", { algorithm: "RSA" }, { parent });
      new aws.sqs.Queue("work", {}, { parent });
    });
    expect(lines).toEqual([
      "urn:pulumi:test::knowledgecity::test:index:Group$random:index/randomPassword:RandomPassword::db: Default provider for 'random' disabled. 'random:index/randomPassword:RandomPassword' must use an explicit provider.",
      "urn:pulumi:test::knowledgecity::test:index:Group$tls:index/privateKey:PrivateKey::signing: Default provider for 'tls' disabled. 'tls:index/privateKey:PrivateKey' must use an explicit provider.",
    ]);
  });

  it("passes once every package's provider is given to the parent", async () => {
    const result = await run(() => {
      const parent = group([home(), new random.Provider("random"), new tls.Provider("tls")]);
      new random.RandomPassword("db", { length: 32 }, { parent });
      new tls.PrivateKey("signing", { algorithm: "RSA" }, { parent });
    });
    expect(only(result.resources, "random:index/randomPassword:RandomPassword").provider).toBe(
      "urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$pulumi:providers:random::random",
    );
  });

  it("disables only the listed packages", async () => {
    const lines = await refusal(
      () => {
        new aws.sqs.Queue("work");
        new random.RandomPassword("db", { length: 32 });
      },
      { ...STRICT, "pulumi:disable-default-providers": '["random"]' },
    );
    expect(lines).toEqual([
      expect.stringMatching(/::db: Default provider for 'random' disabled\./) as string,
    ]);
  });

  it("refuses a remote component (eks.Cluster) whose package's provider is not among its providers", async () => {
    // The SDK sends a remote component's provider only when it is of the component's package,
    // so an aws provider given as `provider` does not count.
    const lines = await refusal(() => {
      new eks.Cluster("analytics", {}, { provider: home() });
    });
    expect(lines).toEqual([
      "urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$eks:index:Cluster::analytics: Default provider for 'eks' disabled. 'eks:index:Cluster' must use an explicit provider.",
    ]);
  });

  it("passes a remote component that inherits its package's provider from its parent", async () => {
    const result = await run(() => {
      const parent = group([home(), new eks.Provider("eks")]);
      new eks.Cluster("analytics", {}, { parent });
    });
    const cluster = only(result.resources, "eks:index:Cluster");
    expect([cluster.remote, cluster.provider]).toEqual([
      true,
      "urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$pulumi:providers:eks::eks",
    ]);
  });

  it("refuses reading an existing resource without a provider; passes it with one", async () => {
    const lines = await refusal(() => {
      aws.ec2.Vpc.get("shared", "vpc-0123456789abcdef0");
    });
    expect(lines).toEqual([
      "urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$aws:ec2/vpc:Vpc::shared: Default provider for 'aws' disabled. 'aws:ec2/vpc:Vpc' must use an explicit provider.",
    ]);
    await expect(
      run(() => {
        aws.ec2.Vpc.get("shared", "vpc-0123456789abcdef0", undefined, { provider: home() });
      }),
    ).resolves.toBeDefined();
  });

  it("refuses an invoke without an explicit provider, as the engine words it", async () => {
    const lines = await refusal(async () => {
      await aws.getRegion({});
    });
    expect(lines).toEqual([
      "Invoke aws:index/getRegion:getRegion: Invoke: Default provider for 'aws' disabled. 'aws:index/getRegion:getRegion' must use an explicit provider.",
    ]);
  });

  it("passes invokes given a provider or a parent that holds one", async () => {
    const regions: string[] = [];
    await run(async () => {
      const provider = home();
      regions.push((await aws.getRegion({}, { provider })).region);
      regions.push((await aws.getRegion({}, { parent: group([provider]) })).region);
    });
    expect(regions).toEqual(["me-south-1", "me-south-1"]);
  });

  it("allows default providers when the stack does not disable them", async () => {
    const result = await run(
      () => {
        new random.RandomPassword("db", { length: 32 });
      },
      { "aws:region": "me-south-1" },
    );
    expect(only(result.resources, "random:index/randomPassword:RandomPassword").provider).toBe(
      undefined,
    );
  });

  it("refuses a malformed pulumi:disable-default-providers", async () => {
    await expect(
      run(() => undefined, { ...STRICT, "pulumi:disable-default-providers": "random" }),
    ).rejects.toThrow(
      'pulumi:disable-default-providers = random: expected a JSON list of package names, or ["*"] for every package',
    );
  });
});

describe("invokes whose answer changes on every run", () => {
  it("refuses Secrets Manager's getRandomPassword and says to use random.RandomPassword", async () => {
    const lines = await refusal(async () => {
      await aws.secretsmanager.getRandomPassword({ passwordLength: 32 }, { provider: home() });
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Invoke aws:secretsmanager\/getRandomPassword:getRandomPassword: its answer changes on every run, so every preview shows a diff and every up rotates the value; use a random\.RandomPassword resource/,
    );
  });

  it("passes the same secret made as a random.RandomPassword resource", async () => {
    const result = await run(() => {
      new random.RandomPassword("vault", { length: 32 }, { provider: new random.Provider("r") });
    });
    expect(result.resources.map((r) => r.type)).toContain(
      "random:index/randomPassword:RandomPassword",
    );
  });

  it("keeps a reason and a replacement for every token it refuses", () => {
    for (const [token, entry] of Object.entries(UNSTABLE_INVOKES)) {
      expect(token).toMatch(/^[a-z0-9-]+:[A-Za-z0-9/]+:[A-Za-z0-9]+$/);
      expect(entry.why).toMatch(/https:\/\/docs\.aws\.amazon\.com\//);
      expect(entry.instead.length).toBeGreaterThan(10);
    }
  });
});
describe("a failed run never reaches the next one", () => {
  /** A component that registers outputs and a child only after `delayMs`. */
  class Late extends pulumi.ComponentResource {
    constructor(name: string, delayMs: number, opts: pulumi.ComponentResourceOptions) {
      super("test:index:Late", name, {}, opts);
      const late = pulumi.output(
        new Promise<string>((resolve) => {
          setTimeout(() => {
            resolve("ready");
          }, delayMs);
        }),
      );
      late.apply(() => new aws.sqs.Queue(`${name}-late`, {}, { parent: this }));
      this.registerOutputs({ late });
    }
  }

  it("lets the next program run clean after one that failed with work still pending", async () => {
    await expect(
      run(() => {
        new Late("first", 2500, { providers: [home()] });
        throw new Error("the first stack's program failed");
      }),
    ).rejects.toThrow("the first stack's program failed");
    const next = await runInMockEngine({
      project: "knowledgecity",
      stack: "next",
      config: STRICT,
      program: async () => {
        new Late("second", 10, { providers: [home()] });
        // Outlive the first run's late work, so it would land in this run if it could.
        await new Promise((resolve) => setTimeout(resolve, 3000));
      },
    });
    expect(next.resources.map((r) => r.urn)).toEqual([
      "urn:pulumi:next::knowledgecity::pulumi:pulumi:Stack::knowledgecity-next",
      "urn:pulumi:next::knowledgecity::pulumi:pulumi:Stack$pulumi:providers:aws::home",
      "urn:pulumi:next::knowledgecity::pulumi:pulumi:Stack$test:index:Late::second",
      "urn:pulumi:next::knowledgecity::test:index:Late$aws:sqs/queue:Queue::second-late",
    ]);
  }, 30_000);

  it("plans the unchanged stack after a stack whose config is refused", async () => {
    await expect(
      planStack("me-south-1", {
        "knowledgecity:network": JSON.stringify({ cidr: "10.20.0.0/28" }),
      }),
    ).rejects.toThrow(/knowledgecity:network\.cidr = "10\.20\.0\.0\/28"/);
    const plan = await planStack("us-east-1");
    expect(plan.document.stack).toBe("us-east-1");
    expect(
      plan.document.resources.filter((r) => !r.urn.startsWith("urn:pulumi:us-east-1::")),
    ).toEqual([]);
  }, 120_000);
});
