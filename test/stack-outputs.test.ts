/**
 * What the real stacks give out: their outputs (documented in the README, exported where they
 * apply, each the value of the resource it names) and the plan's JSON contract, report and
 * diagram.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { USER_TABLES } from "../components/data/user-data-store";
import { tagsOf } from "../policy/rules/resource-facts";
import type { StackConfig } from "../stacks/config";
import { fullResourceDiagram } from "./full-resource-diagram";
import { renderReport } from "../tools/plan/report";
import { PROJECT_ROOT, readStackFile, runStack } from "../tools/plan/engine";
import { usePlansOfEveryStack } from "./stack-plans";

const { stacks, planOf } = usePlansOfEveryStack();

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
          [
            "custom",
            "dependsOn",
            "inputs",
            "name",
            "parent",
            "provider",
            "region",
            "type",
            "urn",
          ].sort(),
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
    const diagram = fullResourceDiagram(stacks.map(planOf));
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
      "trick-play",
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
      "video-task-trick-play-dlq": "kc-video-tasks-trick-play-dlq",
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
      // Every shard's writer, the first being the store's original cluster.
      const shardEndpoints = outputs.userStoreShardEndpoints as Record<string, string>;
      const shardIds = config.userStore.shards?.map((shard) => shard.id) ?? ["s1"];
      expect(Object.keys(shardEndpoints)).toEqual(shardIds);
      expect(shardEndpoints[shardIds[0] ?? ""]).toBe(outputs.userStoreEndpoint);
      const clusterIds = new Set(
        recorded.filter((r) => r.type === "aws:rds/cluster:Cluster").map((r) => r.id),
      );
      for (const endpoint of Object.values(shardEndpoints)) {
        const [clusterId] = endpoint.split(".cluster-");
        expect(clusterIds.has(clusterId ?? ""), endpoint).toBe(true);
        expect(endpoint).toMatch(
          new RegExp(`\\.cluster-[a-z0-9]+\\.${region}\\.rds\\.amazonaws\\.com$`),
        );
      }
      expect(new Set(Object.values(shardEndpoints)).size).toBe(shardIds.length);
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
    // The trick-play image's repository, which pulumi up pushes to.
    expect(Object.keys(repositories)).toContain("trick-play");
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
