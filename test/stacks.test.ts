import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REQUIRED_TAG_KEYS } from "../components/shared/tags";
import { USER_TABLES } from "../components/data/user-data-store";
import { providerDefaultTags, tagsOf } from "../policy/rules/resource-facts";
import { ConfigError, type StackConfig } from "../stacks/config";
import { planStack, type StackPlan } from "../tools/plan/document";
import { renderMermaid } from "../tools/plan/mermaid";
import { renderReport } from "../tools/plan/report";
import {
  listStacks,
  PROJECT_ROOT,
  readStackFile,
  runStack,
  type RecordedResource,
} from "../tools/plan/engine";
import { answerInvoke } from "../tools/plan/engine/invokes";

const stacks = listStacks();
const plans = new Map<string, StackPlan>();
beforeAll(async () => {
  // One plan per stack, shared by every test in this file (runs are sequential by nature).
  for (const stack of stacks) {
    plans.set(stack, await planStack(stack));
  }
});
const planOf = (stack: string): StackPlan => {
  const plan = plans.get(stack);
  if (plan === undefined) {
    throw new Error(`no plan for ${stack}`);
  }
  return plan;
};

describe("the real stack files", () => {
  it("are the two regions of the seed", () => {
    expect(stacks).toEqual(["me-south-1", "us-east-1"]);
  });

  it.each(stacks)("%s builds a regional platform over three zones", (stack) => {
    const { recorded, outputs } = planOf(stack);
    expect(
      recorded.filter((r) => r.type === "knowledgecity:platform:RegionalPlatform"),
    ).toHaveLength(1);
    expect(recorded.filter((r) => r.type === "aws:ec2/vpc:Vpc")).toHaveLength(1);
    expect(outputs.availabilityZones).toHaveLength(3);
    expect(outputs.region).toBe(stack);
  });

  it.each(stacks)(
    "%s lets the monolith invoke exactly its backends, named in its environment",
    (stack) => {
      const { recorded } = planOf(stack);
      const named = (type: string, name: string) => {
        const found = recorded.find((r) => r.type === type && r.name === name);
        if (found === undefined) {
          throw new Error(`${stack} has no ${type} ${name}`);
        }
        return found;
      };
      const backends = {
        KC_FUNCTION_UPLOAD_URL: "kc-video-upload-url-fn",
        KC_FUNCTION_PLAYBACK_AUTH: "kc-video-playback-auth-fn",
        KC_FUNCTION_TOKENIZE: "kc-pii-tokenize-fn",
        KC_FUNCTION_DETOKENIZE: "kc-pii-detokenize-fn",
        KC_FUNCTION_HOME_REGION: "kc-home-region-lookup-fn",
      };
      const functions = Object.entries(backends).map(([variable, name]) => {
        const { state } = named("aws:lambda/function:Function", name);
        return { variable, name: String(state.name), arn: String(state.arn) };
      });
      const policy = JSON.parse(
        String(named("aws:iam/rolePolicy:RolePolicy", "kc-monolith-instance").inputs.policy),
      ) as { Statement: { Sid: string; Action: string[]; Resource: string[] }[] };
      const invoking = policy.Statement.filter((statement) =>
        statement.Action.some((action) => action.startsWith("lambda:")),
      );
      expect(invoking).toEqual([
        expect.objectContaining({
          Action: ["lambda:InvokeFunction"],
          Resource: functions.map((fn) => fn.arn),
        }),
      ]);
      const template = named("aws:ec2/launchTemplate:LaunchTemplate", "kc-monolith-app");
      const script = Buffer.from(String(template.inputs.userData), "base64").toString("utf8");
      for (const fn of functions) {
        expect(script).toContain(`env[${fn.variable}] = ${fn.name}\n`);
      }
    },
  );

  it.each(stacks)("%s plans with zero policy violations", (stack) => {
    expect(planOf(stack).document.violations).toEqual([]);
  });

  it.each(stacks)(
    "%s sends every AWS resource through a provider tagging Project, Stack and Jurisdiction",
    (stack) => {
      const { recorded, config } = planOf(stack);
      const byUrn = new Map(recorded.map((r) => [r.urn, r]));
      const aws = recorded.filter((r) => r.type.startsWith("aws:"));
      expect(aws.length).toBeGreaterThan(40);
      for (const resource of aws) {
        const provider = resource.provider === undefined ? undefined : byUrn.get(resource.provider);
        expect(provider?.type, resource.urn).toBe("pulumi:providers:aws");
        const tags = providerDefaultTags(provider ?? resource);
        expect(Object.keys(tags)).toEqual(expect.arrayContaining([...REQUIRED_TAG_KEYS]));
        expect(tags).toMatchObject({
          Project: "knowledgecity",
          Stack: stack,
          Jurisdiction: config.jurisdiction,
        });
      }
    },
  );

  it.each(stacks)("%s tags every log group and key with its data class", (stack) => {
    const stores = planOf(stack).recorded.filter((r) =>
      ["aws:cloudwatch/logGroup:LogGroup", "aws:kms/key:Key"].includes(r.type),
    );
    expect(stores.length).toBeGreaterThanOrEqual(4);
    for (const store of stores) {
      expect(["user-data", "content", "telemetry", "none"]).toContain(tagsOf(store).DataClass);
    }
  });

  it("keeps every Saudi resource in the Saudi stack's allowed regions, but what AWS requires in us-east-1", () => {
    const { document } = planOf("me-south-1");
    expect(document.allowedRegions).toEqual(["me-south-1"]);
    const outside = document.resources.filter((r) => !document.allowedRegions.includes(r.region));
    // CloudFront takes certificates from us-east-1 only, and publishes its metrics only there, so
    // the CDN's 5xx alarm, its alert topic and that topic's key live there too. None holds user data.
    // Lambda@Edge functions (the CDN's Cache-Control at origin response) must be in us-east-1 too.
    expect(outside.map((r) => `${r.type} ${r.name} in ${r.region}`).sort()).toEqual([
      "aws:acm/certificate:Certificate kc-video-cdn-cert in us-east-1",
      "aws:acm/certificateValidation:CertificateValidation kc-video-cdn-cert in us-east-1",
      "aws:cloudwatch/metricAlarm:MetricAlarm kc-observability-video-cloudfront-5xx-rate in us-east-1",
      "aws:iam/role:Role kc-video-cdn-cache-control-role in us-east-1",
      "aws:iam/rolePolicy:RolePolicy kc-video-cdn-cache-control-policy in us-east-1",
      "aws:kms/alias:Alias kc-observability-alerts-us-east-1 in us-east-1",
      "aws:kms/key:Key kc-observability-alerts-us-east-1 in us-east-1",
      "aws:lambda/function:Function kc-video-cdn-cache-control-fn in us-east-1",
      "aws:sns/topic:Topic kc-observability-alerts-us-east-1 in us-east-1",
      "aws:sns/topicPolicy:TopicPolicy kc-observability-alerts-us-east-1 in us-east-1",
      "pulumi:providers:aws aws-us-east-1 in us-east-1",
    ]);
    for (const resource of outside) {
      expect(resource.inputs.tags ?? {}).not.toMatchObject({ DataClass: "user-data" });
    }
  });

  it("keeps every key of user data in its own stack's allowed regions", () => {
    const keysOf = (stack: string) =>
      planOf(stack)
        .recorded.filter(
          (r) => r.type === "aws:kms/key:Key" || r.type === "aws:kms/replicaKey:ReplicaKey",
        )
        .map(
          (key) =>
            `${key.type === "aws:kms/key:Key" ? "key" : "replica"} ${key.region} ${tagsOf(key).DataClass ?? ""}`,
        )
        .sort();
    // A key per data class, plus the HMAC key of PII tokens (user data), and the key of the
    // CloudFront alarms' topic in us-east-1 (telemetry).
    expect(keysOf("me-south-1")).toEqual([
      "key me-south-1 content",
      "key me-south-1 telemetry",
      "key me-south-1 user-data",
      "key me-south-1 user-data",
      "key us-east-1 telemetry",
    ]);
    // The US user-data key is replicated to the global tables' replica region, which is allowed;
    // the primary also owns the home-region directory's keys (no personal data), replicated to
    // every home region.
    expect(keysOf("us-east-1")).toEqual([
      "key us-east-1 content",
      "key us-east-1 none",
      "key us-east-1 none",
      "key us-east-1 telemetry",
      "key us-east-1 user-data",
      "key us-east-1 user-data",
      "replica me-south-1 none",
      "replica me-south-1 none",
      "replica us-west-2 user-data",
    ]);
    const urns = stacks.flatMap((stack) => planOf(stack).recorded.map((r) => r.urn));
    expect(new Set(urns).size).toBe(urns.length);
  });

  it("stops a stack with bad config with one line naming the key", async () => {
    const run = runStack("me-south-1", {
      "knowledgecity:network": JSON.stringify({ cidr: "8.8.0.0/16" }),
    });
    await expect(run).rejects.toBeInstanceOf(ConfigError);
    await expect(run).rejects.toThrow(
      /^Invalid config for stack me-south-1: knowledgecity:network\.cidr = "8\.8\.0\.0\/16": [^\n]+$/,
    );
  });

  it("refuses a replica of Saudi user data outside the allowed regions", async () => {
    const run = runStack("me-south-1", {
      "knowledgecity:userStore": JSON.stringify({ kind: "aurora", replicaRegions: ["eu-west-1"] }),
    });
    await expect(run).rejects.toThrow(/knowledgecity:userStore\.replicaRegions\[0\] = "eu-west-1"/);
  });
});

describe("serving the platform", () => {
  const geoRecords = (stack: string) =>
    planOf(stack)
      .recorded.filter(
        (r) => r.type === "aws:route53/record:Record" && r.inputs.name === "api.knowledgecity.com",
      )
      .map((r) => (r.inputs.geolocationRoutingPolicies as { country?: string }[])[0]?.country)
      .sort();

  it("routes the GCC countries to the Saudi stack and everyone else to the US stack", () => {
    expect(geoRecords("me-south-1")).toEqual(["AE", "BH", "KW", "OM", "QA", "SA"]);
    expect(geoRecords("us-east-1")).toEqual(["*"]);
  });

  it("builds the global edge in the primary stack only", () => {
    const edges = (stack: string) =>
      planOf(stack).recorded.filter((r) => r.type === "knowledgecity:edge:GlobalEdge").length;
    expect(edges("us-east-1")).toBe(1);
    expect(edges("me-south-1")).toBe(0);
    // The Saudi stack's only CloudFront distribution is its video CDN; the SPA and its global WAF
    // live in the primary.
    const saudiCdn = planOf("me-south-1").recorded.filter(
      (r) => r.type === "aws:cloudfront/distribution:Distribution",
    );
    expect(saudiCdn.map((r) => r.name)).toEqual(["kc-video-cdn-cdn"]);
    expect(
      planOf("me-south-1").recorded.filter(
        (r) => r.type === "aws:wafv2/webAcl:WebAcl" && r.inputs.scope === "CLOUDFRONT",
      ),
    ).toEqual([]);
  });

  it("admits the monolith's instances and the master password's rotation, nothing else, to the Saudi user store", () => {
    const { recorded } = planOf("me-south-1");
    const db = recorded.find(
      (r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && r.name === "kc-users-db",
    );
    const app = recorded.find(
      (r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && r.name === "kc-monolith-app",
    );
    expect(db?.inputs.ingress).toBeUndefined();
    const rules = recorded.filter(
      (r) =>
        r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" &&
        r.inputs.securityGroupId === db?.id,
    );
    const rotation = recorded.find(
      (r) =>
        r.type === "aws:ec2/securityGroup:SecurityGroup" && r.name === "kc-users-master-rotation",
    );
    expect(rules.map((rule) => rule.inputs)).toEqual([
      expect.objectContaining({
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        referencedSecurityGroupId: rotation?.id,
      }),
      expect.objectContaining({
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        referencedSecurityGroupId: app?.id,
      }),
    ]);
  });

  it.each(stacks)(
    "%s lets the monolith's instances, and only them, export learning events to the lake",
    (stack) => {
      const { recorded } = planOf(stack);
      const role = recorded.find(
        (r) => r.type === "aws:iam/role:Role" && r.name === "kc-monolith-instance",
      );
      const policy = recorded.find(
        (r) => r.type === "aws:s3/bucketPolicy:BucketPolicy" && r.name === "kc-analytics-lake-lake",
      );
      const statements = (
        JSON.parse(String(policy?.inputs.policy)) as { Statement: Record<string, unknown>[] }
      ).Statement;
      const writers = statements.find((s) => s.Sid === "ExportWritersPutLearningEvents");
      expect(writers).toMatchObject({
        Principal: { AWS: [expect.stringMatching(/:role\/kc-monolith-instance-[0-9a-f]+$/)] },
        Action: ["s3:PutObject"],
        Resource: [
          expect.stringMatching(/:kc-analytics-lake-lake-[0-9a-f]+\/exports\/learning-events\/\*$/),
        ],
      });
      expect(role).toBeDefined();
    },
  );

  it("draws the services path from API Gateway through the VPC link and load balancer into the mesh", () => {
    const diagram = renderMermaid([planOf("me-south-1")]);
    const nodeIn = (component: string, label: string): string => {
      const start = diagram.indexOf(`["${component}"]`);
      const block = diagram.slice(start, diagram.indexOf("\n      end", start));
      const match = new RegExp(`(n[0-9a-f]{10})\\["${label}`).exec(block);
      if (start < 0 || match?.[1] === undefined) {
        throw new Error(`no node ${label} in ${component}`);
      }
      return match[1];
    };
    const node = (label: string) => nodeIn("Microservices kc-services", label);
    const edge = (from: string, to: string) => diagram.includes(`${from} --> ${to}`);
    const integration = node("apigatewayv2 Integration");
    expect(edge(node("apigatewayv2 Api"), integration)).toBe(true);
    expect(edge(node("apigatewayv2 VpcLink"), integration)).toBe(true);
    expect(edge(node("lb Listener"), integration)).toBe(true);
    expect(edge(node("lb LoadBalancer"), node("lb Listener"))).toBe(true);
    expect(edge(node("lb TargetGroup"), node("elbv2.k8s.aws TargetGroupBinding"))).toBe(true);
    expect(
      edge(node("gateway.networking.k8s.io Gateway"), node("elbv2.k8s.aws TargetGroupBinding")),
    ).toBe(true);
    expect(edge(node("helm.sh Release"), node("gateway.networking.k8s.io Gateway"))).toBe(true);
  });

  it("draws the request path from Route 53 through the load balancer to the instances", () => {
    const diagram = renderMermaid([planOf("me-south-1")]);
    // The node of `label` inside the subgraph of `component` (its first lines, before nesting).
    const nodeIn = (component: string, label: string): string => {
      const start = diagram.indexOf(`["${component}"]`);
      const block = diagram.slice(start, diagram.indexOf("\n    end", start));
      const match = new RegExp(`(n[0-9a-f]{10})\\["${label}`).exec(block);
      if (start < 0 || match?.[1] === undefined) {
        throw new Error(`no node ${label} in ${component}`);
      }
      return match[1];
    };
    const alb = nodeIn("Monolith kc-monolith", "lb LoadBalancer");
    const edge = (from: string, to: string) => diagram.includes(`${from} --> ${to}`);
    expect(edge(alb, nodeIn("GeoDns kc-dns", "route53 Record"))).toBe(true);
    expect(edge(alb, nodeIn("Monolith kc-monolith", "lb Listener"))).toBe(true);
    expect(
      edge(
        nodeIn("Monolith kc-monolith", "lb TargetGroup"),
        nodeIn("Monolith kc-monolith", "autoscaling Group"),
      ),
    ).toBe(true);
  });
});

describe("watching the platform", () => {
  it.each(stacks)("%s keeps no log group forever: every one has a retention", (stack) => {
    const groups = planOf(stack).recorded.filter(
      (r) => r.type === "aws:cloudwatch/logGroup:LogGroup",
    );
    expect(groups.length).toBeGreaterThan(10);
    for (const group of groups) {
      expect(group.inputs.retentionInDays, group.name).toBeGreaterThan(0);
      expect(group.inputs.kmsKeyId, group.name).toBeDefined();
    }
  });

  it.each(stacks)(
    "%s sends every alarm to an alert topic of its own region, at a threshold from config",
    (stack) => {
      const { recorded, config } = planOf(stack);
      const alarms = recorded.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
      const topics = new Map(
        recorded
          .filter((r) => r.type === "aws:sns/topic:Topic")
          .map((topic) => [topic.id, topic.region]),
      );
      const thresholds = new Set<unknown>([
        ...Object.values(config.observability.thresholds),
        // FreeableMemory is compared in bytes.
        config.observability.thresholds.auroraFreeableMemoryMiB * 1024 * 1024,
      ]);
      expect(alarms.length).toBeGreaterThan(30);
      for (const alarm of alarms) {
        const actions = alarm.inputs.alarmActions as string[];
        expect(actions.length, alarm.name).toBeGreaterThan(0);
        expect(alarm.inputs.okActions, alarm.name).toEqual(actions);
        for (const action of actions) {
          expect(action, alarm.name).toMatch(new RegExp(`^arn:aws:sns:${alarm.region}:`));
        }
        expect(thresholds.has(alarm.inputs.threshold), alarm.name).toBe(true);
      }
      expect(topics.size).toBeGreaterThan(0);
    },
  );

  it.each(stacks)("%s watches what breaks users", (stack) => {
    const names = planOf(stack)
      .recorded.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")
      .map((alarm) => String(alarm.inputs.name));
    for (const signal of [
      "monolith-alb-5xx",
      "monolith-alb-p95-latency",
      "monolith-asg-in-service",
      "monolith-work-queue-oldest-message",
      "monolith-work-dlq-messages",
      "video-ingest-dlq-messages",
      "video-status-dlq-messages",
      "video-submit-lambda-errors",
      "video-submit-lambda-throttles",
      "video-mediaconvert-errors",
      "video-cloudfront-5xx-rate",
      "rtlog-ingest-dlq-messages",
    ]) {
      expect(names, signal).toContain(`${stack}-${signal}`);
    }
    const store = stack === "me-south-1" ? "users-aurora-cpu" : "users-table-dynamodb-throttles";
    expect(names).toContain(`${stack}-${store}`);
  });
});

describe("the plan's JSON contract", () => {
  it("has the documented fields for every stack and every resource", () => {
    const documents = JSON.parse(
      JSON.stringify(stacks.map((s) => planOf(s).document)),
    ) as unknown[];
    expect(documents).toHaveLength(stacks.length);
    for (const document of documents) {
      expect(Object.keys(document as object).sort()).toEqual(
        ["allowedRegions", "project", "region", "resources", "stack", "violations"].sort(),
      );
      const { resources } = document as { resources: Record<string, unknown>[] };
      for (const resource of resources) {
        expect(Object.keys(resource).sort()).toEqual(
          ["dependsOn", "inputs", "name", "parent", "provider", "region", "type", "urn"].sort(),
        );
        expect(typeof resource.region).toBe("string");
        expect(resource.region).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
      }
    }
  });

  it("records real dependencies: the flow log depends on its log group and role", () => {
    const { document } = planOf("us-east-1");
    const flowLog = document.resources.find((r) => r.type === "aws:ec2/flowLog:FlowLog");
    const dependencyTypes = (flowLog?.dependsOn ?? []).map(
      (urn) => document.resources.find((r) => r.urn === urn)?.type,
    );
    expect(dependencyTypes).toEqual(
      expect.arrayContaining([
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:iam/role:Role",
        "aws:ec2/vpc:Vpc",
      ]),
    );
  });
});

describe("the plan's report and diagram", () => {
  it("reports resources per component, counts per type, the differences and the violations", () => {
    const report = renderReport(stacks.map(planOf));
    for (const stack of stacks) {
      expect(report).toContain(`== Stack ${stack} ==`);
    }
    expect(report).toMatch(/Network kc-network: 45\n\s+- cloudwatch LogGroup x1/);
    expect(report).toMatch(/aws:ec2\/subnet:Subnet\s+9/);
    expect(report).toMatch(/user store\s+aurora\s+dynamodb -> us-west-2/);
    expect(report).toContain("Policy: no violations.");
  });

  it("draws components as groups and dependencies as edges", () => {
    const diagram = renderMermaid(stacks.map(planOf));
    expect(diagram.startsWith("flowchart LR\n")).toBe(true);
    expect(diagram).toMatch(/subgraph n[0-9a-f]{10}\["Network kc-network"\]/);
    expect(diagram).toMatch(/subgraph n[0-9a-f]{10}\["stack me-south-1"\]/);
    const groups = stacks.reduce(
      (sum, stack) => sum + planOf(stack).recorded.filter((r) => !r.custom).length,
      0,
    );
    expect((diagram.match(/subgraph /g) ?? []).length).toBe(groups);
    expect((diagram.match(/^\s*subgraph /gm) ?? []).length).toBe(
      (diagram.match(/^\s*end$/gm) ?? []).length,
    );
    expect((diagram.match(/ --> /g) ?? []).length).toBeGreaterThan(20);
  });
});

describe("the hosted zone", () => {
  const zoneIdsOf = (recorded: readonly RecordedResource[]) =>
    new Set(
      recorded
        .filter((r) => r.type === "aws:route53/record:Record")
        .map((r) => String(r.inputs.zoneId)),
    );

  it.each(stacks)(
    "%s writes every record into the public zone it looked up by the domain",
    (stack) => {
      const { recorded, config } = planOf(stack);
      const zones = zoneIdsOf(recorded);
      // The public zone Route 53 answers for the stack's domain, in its id format.
      const answer = answerInvoke(
        "aws:route53/getZone:getZone",
        { name: config.dns.domain, privateZone: false },
        stack,
      );
      expect([...zones]).toEqual([answer.zoneId]);
      expect(answer.zoneId).toMatch(/^Z[0-9A-Z]{20}$/);
      const other = stacks.find((s) => s !== stack) ?? stack;
      expect(zoneIdsOf(planOf(other).recorded)).toEqual(zones);
    },
  );

  it("uses the zone id the stack file sets instead of looking one up", async () => {
    const dns = JSON.parse(
      readStackFile("me-south-1").config["knowledgecity:dns"] ?? "{}",
    ) as Record<string, unknown>;
    const run = await runStack("me-south-1", {
      "knowledgecity:dns": JSON.stringify({ ...dns, hostedZoneId: "Z04146011K6UJCDGK2XNV" }),
    });
    expect(zoneIdsOf(run.resources)).toEqual(new Set(["Z04146011K6UJCDGK2XNV"]));
  });

  it("stops a stack whose extra tags would override Project, with one line naming the key", async () => {
    const run = runStack("us-east-1", { "knowledgecity:tags": JSON.stringify({ project: "x" }) });
    await expect(run).rejects.toBeInstanceOf(ConfigError);
    await expect(run).rejects.toThrow(
      /^Invalid config for stack us-east-1: knowledgecity:tags\.project = "x": Project is set by the program on every resource[^\n]*$/,
    );
  });

  it("stops a stack whose file leaves default providers on", async () => {
    const run = runStack("us-east-1", { "pulumi:disable-default-providers": '["aws"]' });
    await expect(run).rejects.toThrow(
      /^Invalid config for stack us-east-1: pulumi:disable-default-providers = \["aws"\]: leaves the default providers of [^\n]+$/,
    );
  });
});

describe("the stack outputs", () => {
  /** Which stacks export a key, as the README's "stacks" column says it. */
  const SCOPES: Readonly<Record<string, (config: StackConfig) => boolean>> = {
    every: () => true,
    primary: (config) => config.globalEdge.enabled ?? config.primary,
    "DNS on": (config) => config.dns.enabled,
    "ec2 monolith": (config) => config.monolith.mode === "ec2",
    "dynamodb store": (config) => config.userStore.kind === "dynamodb",
    "aurora store": (config) => config.userStore.kind === "aurora",
    "video on": (config) => config.video.enabled,
    "analytics on": (config) => config.analytics.enabled,
    "microservices on": (config) => config.microservices.enabled,
  };

  /** The README's "Stack outputs" table: output key -> its "stacks" cell. */
  const documented = ((): ReadonlyMap<string, string> => {
    const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
    const start = readme.indexOf("\n### Stack outputs\n");
    const section = readme.slice(start, readme.indexOf("\n#", start + 1));
    const rows = section
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .map((line) => line.split("|").map((cell) => cell.trim()));
    const table = new Map<string, string>();
    for (const [, key, scope] of rows) {
      const name = /^`(\w+)`$/.exec(key ?? "")?.[1];
      if (name === undefined || scope === undefined || table.has(name)) {
        throw new Error(`README "Stack outputs": a bad or repeated row for ${String(key)}`);
      }
      table.set(name, scope);
    }
    return table;
  })();

  const outputsOf = (stack: string): Record<string, unknown> => ({ ...planOf(stack).outputs });

  it("are documented in the README, each once, for stacks the table can name", () => {
    expect(documented.size).toBeGreaterThanOrEqual(25);
    for (const [key, scope] of documented) {
      expect(Object.keys(SCOPES), `${key}: unknown stacks "${scope}"`).toContain(scope);
    }
  });

  it.each(stacks)("%s exports exactly the documented outputs that apply to it", (stack) => {
    const { config } = planOf(stack);
    const expected = [...documented]
      .filter(([, scope]) => SCOPES[scope]?.(config) === true)
      .map(([key]) => key)
      .sort();
    expect(Object.keys(outputsOf(stack)).sort()).toEqual(expected);
  });

  it("leave no documented output unexported by every real stack", () => {
    const exported = new Set(stacks.flatMap((stack) => Object.keys(outputsOf(stack))));
    expect([...documented.keys()].filter((key) => !exported.has(key))).toEqual([]);
  });

  it("follow the stack's settings: a microservice's repository", async () => {
    const file = readStackFile("me-south-1").config;
    const microservices = JSON.parse(file["knowledgecity:microservices"] ?? "{}") as object;
    const run = await runStack("me-south-1", {
      "knowledgecity:microservices": JSON.stringify({
        ...microservices,
        services: [
          { name: "courses", port: 8080, routes: [{ method: "GET", path: "/v1/courses" }] },
        ],
      }),
    });
    const outputs = run.outputs as Record<string, unknown>;
    expect(Object.keys(outputs.ecrRepositoryUrls as object).sort()).toEqual([
      "analytics-api",
      "courses",
    ]);
  });

  it.each(stacks)("%s exports realistic values, each the one of the resource it names", (stack) => {
    const { config, recorded } = planOf(stack);
    const outputs = outputsOf(stack);
    const region = stack.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const label = config.dns.regionLabel ?? config.jurisdiction.toLowerCase();
    const domain = config.dns.domain;
    const idsOf = (type: string) =>
      new Set(recorded.filter((r) => r.type === type).map((r) => r.id ?? ""));
    const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

    expect(outputs.region).toBe(stack);
    expect(outputs.jurisdiction).toBe(config.jurisdiction);
    expect(outputs.allowedRegions).toEqual(config.allowedRegions);
    expect(outputs.availabilityZones).toHaveLength(config.network.azCount);
    for (const zone of outputs.availabilityZones as string[]) {
      expect(zone).toMatch(new RegExp(`^${region}[a-z]$`));
    }
    expect(outputs.vpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(idsOf("aws:ec2/vpc:Vpc").has(String(outputs.vpcId))).toBe(true);
    const subnets = outputs.privateSubnetIds as string[];
    expect(subnets).toHaveLength(config.network.azCount);
    for (const subnet of subnets) {
      expect(subnet).toMatch(/^subnet-[0-9a-f]{17}$/);
      expect(idsOf("aws:ec2/subnet:Subnet").has(subnet)).toBe(true);
    }
    expect(outputs.userStoreKind).toBe(config.userStore.kind);
    expect(outputs.apiHostname).toBe(`api.${domain}`);
    expect(outputs.regionalApiHostname).toBe(`api.${label}.${domain}`);
    expect(outputs.regionalApiHostname).toBe(config.homeRegion?.hostnames[stack]);

    // The releases bucket and the release parameter CI writes to.
    const releases = recorded.find(
      (r) => r.type === "aws:s3/bucket:Bucket" && r.id === outputs.monolithReleasesBucketName,
    );
    expect(outputs.monolithReleasesBucketName).toMatch(bucketName);
    expect(releases?.name).toMatch(/^kc-monolith-releases/);
    const parameter = recorded.find(
      (r) =>
        r.type === "aws:ssm/parameter:Parameter" && r.id === outputs.monolithReleaseParameterName,
    );
    expect(outputs.monolithReleaseParameterName).toBe(
      `/knowledgecity/${stack}/kc-monolith/release`,
    );
    expect(parameter?.name).toBe("kc-monolith-release");

    // Every queue URL in SQS's format, each the URL of the queue that plays its role.
    const queues = outputs.queueUrls as Record<string, string>;
    const queueResources: Readonly<Record<string, string>> = {
      "monolith-work": "kc-monolith-work",
      "monolith-work-dlq": "kc-monolith-work-dlq",
      "video-ingest": "kc-video-ingest",
      "video-ingest-dlq": "kc-video-ingest-dlq",
      "video-status-dlq": "kc-video-status-dlq",
      "rtlog-ingest-failures": "kc-analytics-rtlog-failures",
    };
    expect(Object.keys(queues).sort()).toEqual(Object.keys(queueResources).sort());
    for (const [role, url] of Object.entries(queues)) {
      expect(url, role).toMatch(
        new RegExp(`^https://sqs\\.${region}\\.amazonaws\\.com/\\d{12}/[A-Za-z0-9_-]{1,80}$`),
      );
      const queue = recorded.find((r) => r.type === "aws:sqs/queue:Queue" && r.id === url);
      expect(queue?.name, `${role} ${url}`).toBe(queueResources[role]);
    }

    // Every function with its name and ARN, each the function that plays its role.
    const functions = outputs.functions as Record<string, { name: string; arn: string }>;
    const functionResources: Readonly<Record<string, string>> = {
      "home-region": "kc-home-region-lookup-fn",
      "pii-detokenize": "kc-pii-detokenize-fn",
      "pii-tokenize": "kc-pii-tokenize-fn",
      "residency-audit": "kc-compliance-residency-audit-fn",
      "rtlog-ingest": "kc-analytics-rtlog-fn",
      "video-playback-auth": "kc-video-playback-auth-fn",
      "video-status": "kc-video-encode-status-fn",
      "video-submit": "kc-video-encode-submit-fn",
      "video-upload-url": "kc-video-upload-url-fn",
    };
    expect(Object.keys(functions).sort()).toEqual(Object.keys(functionResources).sort());
    for (const [role, fn] of Object.entries(functions)) {
      expect(fn.arn, role).toMatch(
        new RegExp(`^arn:aws:lambda:${region}:\\d{12}:function:${fn.name}$`),
      );
      expect(fn.name, role).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      const resource = recorded.find(
        (r) => r.type === "aws:lambda/function:Function" && r.id === fn.name,
      );
      expect(resource?.name, `${role} ${fn.name}`).toBe(functionResources[role]);
    }
    expect(outputs.alertTopicArn).toMatch(
      new RegExp(`^arn:aws:sns:${region}:\\d{12}:[\\w-]{1,256}$`),
    );
    expect(idsOf("aws:sns/topic:Topic").has(String(outputs.alertTopicArn))).toBe(true);

    // The user store.
    if (config.userStore.kind === "dynamodb") {
      const tables = outputs.userTableNames as Record<string, string>;
      expect(Object.keys(tables).sort()).toEqual(Object.keys(USER_TABLES).sort());
      for (const [role, table] of Object.entries(tables)) {
        const resource = recorded.find(
          (r) => r.type === "aws:dynamodb/table:Table" && r.id === table,
        );
        expect(table, role).toMatch(/^[A-Za-z0-9_.-]{3,255}$/);
        expect(resource === undefined ? undefined : tagsOf(resource).DataClass, role).toBe(
          "user-data",
        );
      }
    } else {
      const cluster = recorded.find((r) => r.type === "aws:rds/cluster:Cluster");
      const id = cluster?.id ?? "(no cluster)";
      expect(outputs.userStoreEndpoint).toMatch(
        new RegExp(`^${id}\\.cluster-[a-z0-9]+\\.${region}\\.rds\\.amazonaws\\.com$`),
      );
      expect(outputs.userStoreReaderEndpoint).toMatch(
        new RegExp(`^${id}\\.cluster-ro-[a-z0-9]+\\.${region}\\.rds\\.amazonaws\\.com$`),
      );
      expect(outputs.userStorePort).toBe(5432);
      expect(outputs.userStoreDatabase).toMatch(/^[a-z_][a-z0-9_]{0,62}$/);
      // The program's own master secret (global database members have no RDS-managed one),
      // auto-named; Secrets Manager adds -<6 characters> to its name.
      expect(outputs.userStoreSecretArn).toMatch(
        new RegExp(
          `^arn:aws:secretsmanager:${region}:\\d{12}:secret:kc-users-master-[0-9a-f]{7}-[A-Za-z0-9]{6}$`,
        ),
      );
    }

    // The SPA (primary only).
    if (config.primary) {
      expect(outputs.spaBucketName).toMatch(bucketName);
      const spa = recorded.find(
        (r) => r.type === "aws:s3/bucket:Bucket" && r.id === outputs.spaBucketName,
      );
      expect(spa?.parent ?? "").toMatch(/GlobalEdge/);
      const distribution = recorded.find(
        (r) =>
          r.type === "aws:cloudfront/distribution:Distribution" &&
          r.id === outputs.spaDistributionId,
      );
      expect(distribution?.parent ?? "").toMatch(/knowledgecity:edge:GlobalEdge/);
      expect(outputs.spaDistributionId).toMatch(/^E[A-Z0-9]{13}$/);
    }

    // Video, analytics and microservices hostnames, the cluster and the image repositories.
    expect(outputs.videoHostname).toBe(`video.${label}.${domain}`);
    const videoCdn = recorded.find(
      (r) =>
        r.type === "aws:cloudfront/distribution:Distribution" &&
        r.id === outputs.videoDistributionId,
    );
    expect(videoCdn?.inputs.aliases).toEqual([`video.${label}.${domain}`]);
    expect(outputs.videoDistributionId).toMatch(/^E[A-Z0-9]{13}$/);
    expect(outputs.analyticsHostname).toBe(`analytics.${label}.${domain}`);
    expect(outputs.servicesHostname).toBe(`services.${label}.${domain}`);
    const cluster = recorded.find((r) => r.type === "eks:index:Cluster");
    expect(outputs.eksClusterName).toMatch(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/);
    expect(outputs.eksClusterName).toBe(cluster?.inputs.name);
    const repositories = outputs.ecrRepositoryUrls as Record<string, string>;
    expect(Object.keys(repositories)).toContain("analytics-api");
    const repositoryNames = new Set(
      recorded
        .filter((r) => r.type === "aws:ecr/repository:Repository")
        .map((r) => String(r.inputs.name)),
    );
    for (const [image, url] of Object.entries(repositories)) {
      const match = new RegExp(
        `^\\d{12}\\.dkr\\.ecr\\.${region}\\.amazonaws\\.com/([a-z0-9._/-]+)$`,
      ).exec(url);
      expect(
        match?.[1] === undefined ? false : repositoryNames.has(match[1]),
        `${image} ${url}`,
      ).toBe(true);
    }
  });
});
