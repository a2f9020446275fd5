import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { build } from "esbuild";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chartValuesValidator } from "../../charts/schema";
import {
  record,
  Recorded,
  runComponent,
  TEST_CONTEXT,
  type RecordedResource,
} from "../../tools/plan/engine";
import { computedState } from "../../tools/plan/engine/aws-data";
import {
  ANALYTICS_API_IMAGE,
  AnalyticsApi,
  imageDigestProblem,
  type AnalyticsApiSettings,
} from "./analytics-api";
import {
  dockerignoreFor,
  imageSourceFiles,
  imageSourceHash,
  type ImageSource,
} from "../shared/image-repository";
import { shardHostUrls } from "./clickhouse";

const REPOSITORY_ROOT = resolve(__dirname, "..", "..");
const REPOSITORY_URL = "111122223333.dkr.ecr.me-south-1.amazonaws.com/knowledgecity/analytics-api";
const IMAGE = "docker-build:index:Image";
const RELEASE = "kubernetes:helm.sh/v3:Release";

const SETTINGS: AnalyticsApiSettings = {
  minReplicas: 2,
  maxReplicas: 10,
  cpuTargetPercent: 70,
  internetFacing: false,
  rawRetentionDays: 400,
};

/** The API alone, on a stand-in cluster and ClickHouse, as the analytics cluster composes it. */
function run(settings: Partial<AnalyticsApiSettings> = {}) {
  return runComponent((provider) => {
    const kubernetes = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const clickhouse = new k8s.core.v1.Namespace(
      "clickhouse",
      { metadata: { name: "clickhouse" } },
      { provider: kubernetes },
    );
    new AnalyticsApi(
      "api",
      {
        cluster: { provider: kubernetes, ready: [] },
        clickhouse: {
          passwords: {
            api: pulumi.secret("api-password"),
            migrator: pulumi.secret("m-password"),
            rollup: pulumi.secret("r-password"),
          },
          internalUrl: "http://clickhouse-clickhouse.clickhouse.svc.cluster.local:8123",
          shardUrls: shardHostUrls("clickhouse", "clickhouse", { shards: 1, replicas: 2 }),
          release: clickhouse,
        },
        settings: { ...SETTINGS, ...settings },
        hostname: "analytics.sa.knowledgecity.com",
        hostedZoneId: "Z0123456789ABCDEFGHIJ",
        imageKeyArn: `arn:aws:kms:me-south-1:${TEST_CONTEXT.accountId}:key/0a1b2c3d`,
        dependsOn: [],
      },
      { providers: [provider] },
    );
  });
}

/** What the engine answered for the image: the digest and ref a push returns. */
function pushed(image: RecordedResource): Record<string, unknown> {
  return computedState(image.type, image.name, image.id ?? "", image.inputs, image.region);
}

describe("AnalyticsApi", async () => {
  const recorded = Recorded.of(await run());
  const image = recorded.named(IMAGE, "api-image");
  const release = recorded.named(RELEASE, "analytics-api");
  const values = record(release.inputs.values);

  it("builds the image from this repository for arm64 and pushes it, tagged by its sources", () => {
    const tag = imageSourceHash(ANALYTICS_API_IMAGE).slice(0, 32);
    expect(image.inputs).toEqual({
      context: { location: "." },
      dockerfile: { location: "functions/analytics/analytics-api/Dockerfile" },
      platforms: ["linux/arm64"],
      push: true,
      tags: [`${REPOSITORY_URL}:${tag}`],
      buildOnPreview: false,
      network: "default",
    });
    expect(tag).toMatch(/^[a-f0-9]{32}$/);
    // Into the repository the component creates (immutable tags, scanned on push).
    const repository = recorded.named("aws:ecr/repository:Repository", "api-image");
    expect(repository.inputs).toMatchObject({
      name: "knowledgecity/analytics-api",
      imageTagMutability: "IMMUTABLE",
    });
    expect(image.dependsOn).toContain(repository.urn);
  });

  it("builds through an explicit docker-build provider, never a default one", () => {
    const builders = recorded.ofType("pulumi:providers:docker-build");
    expect(builders.map((b) => b.name)).toEqual(["api-image-builder"]);
    expect(builders[0]?.inputs.registries).toBeUndefined();
    expect(image.provider).toBe(builders[0]?.urn);
    expect(image.parent).toBe(recorded.named("knowledgecity:analytics:AnalyticsApi", "api").urn);
  });

  it("gives the chart the pushed image by digest: <repositoryUrl>@sha256:<64 hex>", () => {
    const digest = pushed(image).digest;
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(record(values.image)).toEqual({ repository: REPOSITORY_URL, digest });
    const reference = `${String(record(values.image).repository)}@${String(digest)}`;
    expect(reference).toMatch(
      /^111122223333\.dkr\.ecr\.me-south-1\.amazonaws\.com\/knowledgecity\/analytics-api@sha256:[a-f0-9]{64}$/,
    );
    expect(chartValuesValidator("charts/analytics-api")(values).errors).toEqual([]);
  });

  it("installs the chart, and so its migrations Job, only after the image is pushed", () => {
    expect(release.dependsOn).toContain(image.urn);
  });

  it("refuses too few replicas", async () => {
    await expect(run({ minReplicas: 1 })).rejects.toThrow("minReplicas = 1: at least 2");
  });

  it("runs the QoE rollup job hourly as the rollup user, with the default settings", () => {
    expect(values.qoeRollup).toEqual({
      enabled: true,
      schedule: "5 * * * *",
      graceMinutes: 5,
      lookbackHours: 48,
      // One shard (of two replicas) still has Distributed tables: the job builds in the shard's.
      shardUrls:
        "http://chi-clickhouse-analytics-0-0.clickhouse.svc.cluster.local:8123," +
        "http://chi-clickhouse-analytics-0-1.clickhouse.svc.cluster.local:8123",
    });
    expect(record(values.clickhouse).rollup).toEqual({
      username: "rollup",
      passwordSecret: { name: "clickhouse-users", key: "rollup" },
    });
  });

  it("passes the rollup job's settings, and refuses them out of bounds", async () => {
    const custom = Recorded.of(
      await run({ rollup: { schedule: "20 * * * *", graceMinutes: 15, lookbackHours: 72 } }),
    );
    const chart = record(custom.named(RELEASE, "analytics-api").inputs.values);
    expect(chart.qoeRollup).toMatchObject({
      enabled: true,
      schedule: "20 * * * *",
      graceMinutes: 15,
      lookbackHours: 72,
    });
    expect(chartValuesValidator("charts/analytics-api")(chart).errors).toEqual([]);
    await expect(
      run({ rollup: { schedule: "5 * * * *", graceMinutes: 121, lookbackHours: 0 } }),
    ).rejects.toThrow(
      "rollup.graceMinutes = 121: an integer from 0 to 120; rollup.lookbackHours = 0: an integer from 1 to 744",
    );
  });
});

describe("imageDigestProblem", () => {
  it("accepts a sha256 digest and explains anything else", () => {
    expect(imageDigestProblem(`sha256:${"0a".repeat(32)}`)).toBeUndefined();
    for (const value of ["", "sha256:abc", `sha256:${"A".repeat(64)}`, "1.4.2"]) {
      expect(imageDigestProblem(value)).toBe(
        `image digest = ${JSON.stringify(value)}: expected sha256:<64 hex> of the image pushed to the repository`,
      );
    }
  });
});

describe("the analytics API image's sources", () => {
  const files = imageSourceFiles(ANALYTICS_API_IMAGE);

  it("hold every file the four bundles read, and no test", async () => {
    const read = new Set<string>();
    for (const entry of ["main.ts", "migrate-main.ts", "load-events-main.ts", "rollup-main.ts"]) {
      const result = await build({
        entryPoints: [join(REPOSITORY_ROOT, "functions/analytics/analytics-api", entry)],
        bundle: true,
        platform: "node",
        target: "node22",
        mainFields: ["module", "main"],
        write: false,
        metafile: true,
        logLevel: "silent",
      });
      for (const input of Object.keys(result.metafile.inputs)) {
        const path = relative(REPOSITORY_ROOT, resolve(input));
        if (!path.startsWith("node_modules/")) {
          read.add(path);
        }
      }
    }
    expect(read.size).toBeGreaterThan(5);
    expect([...read].filter((path) => !files.includes(path))).toEqual([]);
    expect(files.filter((path) => path.endsWith(".test.ts"))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(["package.json", "package-lock.json"]));
  });

  it("are what the Dockerfile copies", () => {
    const dockerfile = readFileSync(join(REPOSITORY_ROOT, ANALYTICS_API_IMAGE.dockerfile), "utf8");
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) =>
      (match[1] ?? "").split(/\s+/),
    );
    expect(copied.sort()).toEqual([...ANALYTICS_API_IMAGE.include].sort());
    // The build stage runs on the build machine's platform: no emulation for the arm64 image.
    expect(dockerfile).toContain("FROM --platform=$BUILDPLATFORM node:22-bookworm-slim AS build");
  });

  it("are the build context that Dockerfile.dockerignore leaves", () => {
    const ignore = readFileSync(
      join(REPOSITORY_ROOT, `${ANALYTICS_API_IMAGE.dockerfile}.dockerignore`),
      "utf8",
    );
    expect(ignore).toBe(dockerignoreFor(ANALYTICS_API_IMAGE));
  });
});

describe("imageSourceHash", () => {
  const root = mkdtempSync(join(tmpdir(), "image-source-"));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const source: ImageSource = {
    dockerfile: "app/Dockerfile",
    include: ["package.json", "app"],
    platforms: ["linux/arm64"],
  };
  write("package.json", "{}");
  write("app/Dockerfile", "FROM scratch");
  write("app/main.ts", "export {};");
  write("app/main.test.ts", "test");
  write("README.md", "readme");

  it("changes with the Dockerfile, a source file or the platforms", () => {
    const before = imageSourceHash(source, root);
    expect(imageSourceHash(source, root)).toBe(before);
    write("app/main.ts", "export const x = 1;");
    const changed = imageSourceHash(source, root);
    expect(changed).not.toBe(before);
    write("app/Dockerfile", "FROM busybox");
    expect(imageSourceHash(source, root)).not.toBe(changed);
    expect(imageSourceHash({ ...source, platforms: ["linux/amd64"] }, root)).not.toBe(
      imageSourceHash(source, root),
    );
  });

  it("ignores tests and files outside the context", () => {
    const before = imageSourceHash(source, root);
    write("app/main.test.ts", "another test");
    write("README.md", "another readme");
    expect(imageSourceHash(source, root)).toBe(before);
    expect(imageSourceFiles(source, root)).toEqual([
      "app/Dockerfile",
      "app/main.ts",
      "package.json",
    ]);
  });

  it("refuses a source that does not exist", () => {
    expect(() => imageSourceHash({ ...source, include: ["nowhere"] }, root)).toThrow(
      "image source nowhere does not exist: app/Dockerfile's include lists only what is in the repository",
    );
  });
});
