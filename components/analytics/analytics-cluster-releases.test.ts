import { describe, expect, it } from "vitest";
import { chartValuesValidator } from "../../charts/schema";
import { CLICKHOUSE_USER_ACCESS } from "../../contracts/clickhouse-users";
import { list, record, Recorded } from "../../tools/plan/engine";
import { RELEASE, releaseNamed, run } from "./analytics-cluster-test-support";

describe("AnalyticsCluster", async () => {
  const recorded = Recorded.of(await run());
  const userDataKey = recorded.named("aws:kms/key:Key", "keys-user-data");
  const userDataKeyArn = `arn:aws:kms:me-south-1:111122223333:key/${userDataKey.id ?? ""}`;

  describe("Helm releases", () => {
    it("install every chart pinned, atomically, in its namespace", () => {
      const releases = recorded.ofType(RELEASE).map((release) => ({
        name: release.name,
        chart: release.inputs.chart,
        version: release.inputs.version,
        repo: record(release.inputs.repositoryOpts ?? {}).repo,
        namespace: release.inputs.namespace,
      }));
      expect(releases).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            chart: "metrics-server",
            repo: "https://kubernetes-sigs.github.io/metrics-server/",
            namespace: "kube-system",
          }),
          expect.objectContaining({
            chart: "oci://public.ecr.aws/karpenter/karpenter",
            namespace: "kube-system",
          }),
          expect.objectContaining({
            chart: "aws-load-balancer-controller",
            namespace: "kube-system",
          }),
          expect.objectContaining({ chart: "external-dns", namespace: "kube-system" }),
          expect.objectContaining({
            chart: "altinity-clickhouse-operator",
            repo: "https://helm.altinity.com",
            namespace: "clickhouse",
          }),
          expect.objectContaining({ chart: "./charts/clickhouse", namespace: "clickhouse" }),
          expect.objectContaining({ chart: "./charts/analytics-api", namespace: "analytics" }),
        ]),
      );
      for (const release of recorded.ofType(RELEASE)) {
        expect(release.inputs).toMatchObject({ atomic: true, cleanupOnFail: true });
        if (!String(release.inputs.chart).startsWith("./charts/")) {
          expect(release.inputs.version).toMatch(/^\d+\.\d+\.\d+$/);
        }
      }
    });

    it("pass ClickHouse values that the chart's schema accepts", () => {
      const values = record(releaseNamed(recorded, "clickhouse").inputs.values);
      const result = chartValuesValidator("charts/clickhouse")(values);
      expect(result.errors).toEqual([]);
      expect(values).toMatchObject({
        replicas: 2,
        storage: { storageClassName: "gp3-encrypted", size: "200Gi" },
        nodeSelector: { "karpenter.sh/nodepool": "clickhouse" },
        backup: { enabled: true, region: "me-south-1", kmsKeyArn: userDataKeyArn, user: "backup" },
      });
      const users = list(values.users).map(record);
      expect(users.map((user) => user.name)).toEqual([
        "ingest",
        "api",
        "migrator",
        "backup",
        "rollup",
      ]);
      for (const user of users) {
        expect(user.passwordSecret).toEqual({ name: "clickhouse-users", key: user.name });
        // The backup sidecar connects from its own pod only.
        expect(user.networks).toEqual(user.name === "backup" ? ["127.0.0.1/32"] : ["10.20.0.0/16"]);
        expect(user.profile).toBe("default");
      }
    });

    it("give each ClickHouse user exactly the grants its code is proven to need", () => {
      const values = record(releaseNamed(recorded, "clickhouse").inputs.values);
      const grants: Record<string, unknown> = Object.fromEntries(
        list(values.users)
          .map(record)
          .map((user) => [String(user.name), user.grants] as const),
      );
      // The same statements the integration test loads into a real engine for each user.
      expect(grants).toEqual({
        ingest: CLICKHOUSE_USER_ACCESS.ingest.grants,
        api: CLICKHOUSE_USER_ACCESS.api.grants,
        migrator: CLICKHOUSE_USER_ACCESS.migrator.grants,
        backup: CLICKHOUSE_USER_ACCESS.backup.grants,
        rollup: CLICKHOUSE_USER_ACCESS.rollup.grants,
      });
      // Read-only and write-only where it matters, whatever the contract says elsewhere.
      expect(grants.api).toEqual([
        "GRANT SELECT ON analytics.playback_requests",
        "GRANT SELECT ON analytics.qoe_hourly",
        "GRANT SELECT ON analytics.qoe_hourly_by_country",
        "GRANT SELECT ON analytics.qoe_hourly_by_edge",
        "GRANT SELECT ON analytics.qoe_slices_hourly",
        "GRANT SELECT ON analytics.qoe_slices_daily",
        "GRANT SELECT ON analytics.qoe_rollup_state",
        "GRANT SELECT ON analytics.learning_events",
        "GRANT SELECT ON analytics.engagement_daily",
        // The shard's tables under the Distributed ones (migration 8), read as the API's user.
        "GRANT SELECT ON analytics_local.playback_requests",
        "GRANT SELECT ON analytics_local.qoe_hourly",
        "GRANT SELECT ON analytics_local.qoe_hourly_by_country",
        "GRANT SELECT ON analytics_local.qoe_hourly_by_edge",
        "GRANT SELECT ON analytics_local.qoe_slices_hourly",
        "GRANT SELECT ON analytics_local.qoe_slices_daily",
        "GRANT SELECT ON analytics_local.learning_events",
        "GRANT SELECT ON analytics_local.engagement_daily",
      ]);
      // The rollup job swaps partitions of the rollups and their staging tables, and of nothing
      // else: no ALTER on the raw table, no DDL, no TRUNCATE; on one server in `analytics`, on a
      // cluster the same in each shard's `analytics_local`.
      const rollupIn = (database: string) => [
        `GRANT SELECT(timestamp, course_id, country, edge_location, rendition, is_error, aborted, cache_hit, bytes, ttfb_ms, cmcd, cmcd_buffer_starvation, cmcd_startup, cmcd_buffer_length_ms, cmcd_measured_throughput_kbps, cmcd_session_id) ON ${database}.playback_requests`,
        `GRANT SELECT, INSERT ON ${database}.qoe_rollup_state`,
        `GRANT INSERT, ALTER DELETE ON ${database}.qoe_hourly`,
        `GRANT SELECT, INSERT, ALTER DELETE ON ${database}.qoe_hourly_staging`,
        `GRANT INSERT, ALTER DELETE ON ${database}.qoe_hourly_by_country`,
        `GRANT SELECT, INSERT, ALTER DELETE ON ${database}.qoe_hourly_by_country_staging`,
        `GRANT INSERT, ALTER DELETE ON ${database}.qoe_hourly_by_edge`,
        `GRANT SELECT, INSERT, ALTER DELETE ON ${database}.qoe_hourly_by_edge_staging`,
        `GRANT SELECT, INSERT, ALTER DELETE ON ${database}.qoe_slices_hourly`,
        `GRANT SELECT, INSERT, ALTER DELETE ON ${database}.qoe_slices_hourly_staging`,
        `GRANT INSERT, ALTER DELETE ON ${database}.qoe_slices_daily`,
        `GRANT SELECT, INSERT, ALTER DELETE ON ${database}.qoe_slices_daily_staging`,
      ];
      expect(grants.rollup).toEqual([...rollupIn("analytics"), ...rollupIn("analytics_local")]);
      expect(grants.ingest).toEqual(
        ["analytics", "analytics_local"].flatMap((database) => [
          `GRANT INSERT ON ${database}.playback_requests`,
          `GRANT SELECT(request_id, timestamp, course_id, country, edge_location, rendition, is_error, aborted, cache_hit, bytes, ttfb_ms) ON ${database}.playback_requests`,
        ]),
      );
      for (const statement of Object.values(grants).flatMap(list).map(String)) {
        expect(statement).not.toMatch(/\b(ALL|TO)\b|GRANT OPTION/);
        // Server-wide grants are for capabilities (CLUSTER, S3), never for rows.
        if (statement.endsWith(" ON *.*")) {
          expect(statement).not.toMatch(/\b(SELECT|INSERT)\b/);
        }
      }
    });

    it("pass analytics API values that the chart's schema accepts", () => {
      const values = record(releaseNamed(recorded, "analytics-api").inputs.values);
      expect(chartValuesValidator("charts/analytics-api")(values).errors).toEqual([]);
      expect(String(record(values.image).digest)).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(values).toMatchObject({
        autoscaling: { minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 70 },
        clickhouse: {
          url: "http://clickhouse-clickhouse.clickhouse.svc.cluster.local:8123",
          username: "api",
          migrator: { username: "migrator", cluster: "analytics", rawRetentionDays: 400 },
          rollup: {
            username: "rollup",
            passwordSecret: { name: "clickhouse-users", key: "rollup" },
          },
        },
        qoeRollup: { enabled: true, schedule: "5 * * * *", graceMinutes: 5, lookbackHours: 48 },
        ingress: {
          enabled: true,
          host: "analytics.sa.knowledgecity.com",
          scheme: "internal",
          deletionProtection: true,
        },
        nodeSelector: { "karpenter.sh/nodepool": "general" },
      });
      expect(String(record(values.ingress).certificateArn)).toMatch(/^arn:aws:acm:me-south-1:/);
      expect(values.lakeLoader).toMatchObject({
        enabled: true,
        region: "me-south-1",
        prefix: "curated/learning-events/",
      });
      expect(String(record(values.image).repository)).toBe(
        "111122223333.dkr.ecr.me-south-1.amazonaws.com/knowledgecity/analytics-api",
      );
    });

    it("keep every password out of values: generated, in Secrets only", () => {
      for (const release of recorded.ofType(RELEASE)) {
        expect(JSON.stringify(release.inputs.values)).not.toMatch(/password"\s*:\s*"/i);
      }
      for (const secret of recorded.ofType("kubernetes:core/v1:Secret")) {
        expect(secret.inputs.stringData).toBe("[secret]");
      }
      // One per ClickHouse user, and the operator's.
      expect(recorded.ofType("random:index/randomPassword:RandomPassword")).toHaveLength(6);
    });
  });
});
