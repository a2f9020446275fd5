/**
 * The real stack files, planned: each builds its regional platform in its allowed regions with no
 * policy violation, serves and watches what it should, writes its records into the right hosted
 * zone, and stops with one line on bad config. Their outputs and the plan's documents are tested
 * in `stack-outputs.test.ts`.
 */
import { describe, expect, it } from "vitest";
import { REQUIRED_TAG_KEYS } from "../components/shared/tags";
import { providerDefaultTags, tagsOf } from "../policy/rules/resource-facts";
import { ConfigError } from "../stacks/config-errors";
import { fullResourceDiagram } from "./full-resource-diagram";
import { readStackFile, runStack, type RecordedResource } from "../tools/plan/engine";
import { answerInvoke } from "../tools/plan/engine/invokes";
import { usePlansOfEveryStack } from "./stack-plans";

const { stacks, planOf } = usePlansOfEveryStack();

/**
 * The node of `label` inside the subgraph of `component` in a Mermaid diagram: its first lines,
 * up to `end` (the subgraph's closing line, indented by its depth), before any nested subgraph.
 */
function nodeInSubgraph(diagram: string, component: string, label: string, end: string): string {
  const start = diagram.indexOf(`["${component}"]`);
  const block = diagram.slice(start, diagram.indexOf(end, start));
  const match = new RegExp(`(n[0-9a-f]{10})\\["${label}`).exec(block);
  if (start < 0 || match?.[1] === undefined) {
    throw new Error(`no node ${label} in ${component}`);
  }
  return match[1];
}

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
    const diagram = fullResourceDiagram([planOf("me-south-1")]);
    // Microservices is nested one level deeper than the stack's components.
    const node = (label: string) =>
      nodeInSubgraph(diagram, "Microservices kc-services", label, "\n      end");
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
    const diagram = fullResourceDiagram([planOf("me-south-1")]);
    const nodeIn = (component: string, label: string): string =>
      nodeInSubgraph(diagram, component, label, "\n    end");
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
