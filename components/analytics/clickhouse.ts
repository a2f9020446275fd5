import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  CLICKHOUSE_USER_ACCESS,
  CLICKHOUSE_USER_NAMES,
  type ClickHouseUserName,
} from "../../contracts/clickhouse-users";
import { validatedCertificate } from "../shared/certificate";
import type { AwsContext } from "../shared/context";
import type { DataKeys } from "../security/data-keys";
import { helmRelease, THIRD_PARTY_CHARTS } from "../kubernetes/helm";
import { placementOn } from "../kubernetes/karpenter";
import { ENCRYPTED_STORAGE_CLASS, type KubernetesCluster } from "../kubernetes/kubernetes-cluster";
import { SecureBucket } from "../shared/secure-bucket";
import { dataTags } from "../shared/tags";

/**
 * The database users of the analytics installation, each with its own generated password and
 * exactly the grants of `CLICKHOUSE_USER_ACCESS` (contracts/clickhouse-users.ts): ingest inserts
 * playback requests and reads the columns its deduplication and the hourly view need, api reads,
 * migrator owns the analytics database's schema (and runs the lake loader), backup freezes parts
 * for clickhouse-backup from its own pod. A users.xml user without grants would hold every
 * privilege.
 */
export const CLICKHOUSE_USERS = CLICKHOUSE_USER_ACCESS;

export type ClickHouseUser = ClickHouseUserName;

/** Where the backup sidecar connects from: its own pod. */
const LOOPBACK_NETWORKS = ["127.0.0.1/32"];

/** The Kubernetes Secret that holds the users' passwords, one key per user. */
export const USERS_SECRET = "clickhouse-users";

/** The operator's name for the cluster inside the installation (ON CLUSTER, macros). */
export const CLICKHOUSE_CLUSTER = "analytics";

/** The HTTP port of ClickHouse inside the cluster, and the TLS port of its load balancer. */
export const CLICKHOUSE_HTTP_PORT = 8123;
export const CLICKHOUSE_TLS_PORT = 8443;

/**
 * Bounds of the installation's size, checked by `ClickHouse` and the analytics settings' schema:
 * at least two replicas so each zone holds one, at most five; at least 20 GiB per replica.
 */
export const CLICKHOUSE_BOUNDS = {
  /** Shards of the cluster: the chart's `shards` schema allows 1 to 8. */
  shards: { min: 1, max: 8 },
  replicas: { min: 2, max: 5 },
  minStorageGiB: 20,
} as const;

/** Size and shape of the installation. */
export interface ClickHouseSettings {
  /**
   * Shards of the cluster (`N`), within CLICKHOUSE_BOUNDS.shards: each holds its part of the rows
   * (the analytics tables are Distributed over per-shard tables, see
   * functions/analytics/clickhouse/cluster-layout.ts). Adding shards later spreads new rows only;
   * existing rows stay where they are. @default 1
   */
  readonly shards: number;
  /** Replicas of each shard (`M`), spread over zones, within CLICKHOUSE_BOUNDS.replicas. @default 2 */
  readonly replicas: number;
  /** Data volume per replica, at least CLICKHOUSE_BOUNDS.minStorageGiB. @default 200 */
  readonly storageGiB: number;
  /** CPU request per replica (cores). @default 2 */
  readonly cpu: number;
  /** Memory per replica (request and limit), GiB. @default 16 */
  readonly memoryGiB: number;
  /** Keeper ensemble size. @default 3 */
  readonly keeperReplicas: 3 | 5;
  /** Server image tag, a long-term-support line. @default "25.8" */
  readonly version: string;
  /** Days of backups kept in S3. @default 35 */
  readonly backupRetentionDays: number;
}

/** Arguments of `ClickHouse`. */
export interface ClickHouseArgs {
  /** Account, partition and region the resources are created in. */
  readonly context: AwsContext;
  /** The stack's name (`me-south-1`), which names account-wide resources. */
  readonly stack: string;
  /** The EKS cluster the installation runs in. */
  readonly cluster: KubernetesCluster;
  /** The stack's keys: backups and passwords with the user-data key, logs with telemetry. */
  readonly keys: DataKeys;
  /** Replicas, storage, version and backups of the installation. */
  readonly settings: ClickHouseSettings;
  /** The VPC of the load balancer. */
  readonly vpcId: pulumi.Input<string>;
  /** The VPC's CIDR: the only clients the load balancer admits without `admit`. */
  readonly vpcCidr: string;
  /** Subnets of the internal load balancer. */
  readonly privateSubnetIds: pulumi.Input<string[]>;
  /** `clickhouse.<label>.<domain>`: the TLS name of the load balancer clients outside the cluster use. */
  readonly hostname: string;
  /** The hosted zone the hostname's record goes into. */
  readonly hostedZoneId: pulumi.Input<string>;
  /** What the installation waits for (node pools, the load balancer controller). */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
  /**
   * The data lake's curated learning events, which the servers read for the lake loader.
   * @default undefined (the servers read nothing of a lake)
   */
  readonly lake?: { readonly bucketArn: pulumi.Input<string>; readonly curatedPrefix: string };
}

/**
 * ClickHouse on the cluster: the Altinity operator's chart, and this project's `charts/clickhouse`
 * (a ClickHouseInstallation of `shards` shards, each of at least two replicas over zones, and a
 * ClickHouseKeeperInstallation)
 * on the on-demand `clickhouse` NodePool, with encrypted gp3 volumes, generated passwords in a
 * Kubernetes Secret (no user has a default password), backups by a clickhouse-backup sidecar to an
 * encrypted bucket through Pod Identity, Prometheus metrics, and an internal network load balancer
 * with TLS (`https://<hostname>:8443`) for clients in the VPC outside the cluster (the ingest
 * Lambda), bound to the installation's service by a TargetGroupBinding.
 */
export class ClickHouse extends pulumi.ComponentResource {
  public readonly namespace: string = "clickhouse";
  /** Inside the cluster: `http://clickhouse-analytics.clickhouse.svc.cluster.local:8123`. */
  public readonly internalUrl: string;
  /** From the VPC: `https://<hostname>:8443`. */
  public readonly url: string;
  /**
   * Inside the cluster, per shard, the URL of each of its replicas (see `shardHostUrls`): the
   * QoE rollup job builds each shard's rollups on one of them.
   */
  public readonly shardUrls: readonly (readonly string[])[];
  /** Each user's generated password (secret). */
  public readonly passwords: Readonly<Record<ClickHouseUser, pulumi.Output<string>>>;
  /** Secrets Manager secret with the ingest user's password, for the Lambda. */
  public readonly ingestSecretArn: pulumi.Output<string>;
  /** Clients of the load balancer must be in a group this one admits; see `admit`. */
  public readonly loadBalancerSecurityGroupId: pulumi.Output<string>;
  public readonly backupBucketName: pulumi.Output<string>;
  /** The installation's Helm release, for the API to wait on. */
  public readonly release: k8s.helm.v3.Release;

  private readonly loadBalancerSecurityGroup: aws.ec2.SecurityGroup;

  constructor(name: string, args: ClickHouseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:analytics:ClickHouse", name, {}, opts);
    const { context, settings } = args;
    const { replicas, shards } = CLICKHOUSE_BOUNDS;
    const problems = [
      ...(!Number.isInteger(settings.shards) ||
      settings.shards < shards.min ||
      settings.shards > shards.max
        ? [`shards = ${settings.shards}: an integer from ${shards.min} to ${shards.max}`]
        : []),
      ...(!Number.isInteger(settings.replicas) ||
      settings.replicas < replicas.min ||
      settings.replicas > replicas.max
        ? [
            `replicas = ${settings.replicas}: an integer from ${replicas.min} to ${replicas.max} (one per zone at least twice)`,
          ]
        : []),
      ...(!Number.isInteger(settings.storageGiB) ||
      settings.storageGiB < CLICKHOUSE_BOUNDS.minStorageGiB
        ? [
            `storageGiB = ${settings.storageGiB}: an integer of at least ${CLICKHOUSE_BOUNDS.minStorageGiB}`,
          ]
        : []),
      ...(!/^\d+\.\d+$/.test(settings.version)
        ? [`version = ${settings.version}: a release line such as 25.8`]
        : []),
    ];
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }
    const parent = { parent: this };
    const provider = args.cluster.provider;
    const k8sOptions = { parent: this, provider, dependsOn: args.cluster.ready };
    const userDataKeyArn = args.keys.keyArns["user-data"];
    const installation = "clickhouse";
    this.internalUrl = `http://clickhouse-${installation}.${this.namespace}.svc.cluster.local:${CLICKHOUSE_HTTP_PORT}`;
    this.url = `https://${args.hostname}:${CLICKHOUSE_TLS_PORT}`;
    this.shardUrls = shardHostUrls(installation, this.namespace, settings);

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: this.namespace,
          labels: { "pod-security.kubernetes.io/enforce": "baseline" },
        },
      },
      k8sOptions,
    );

    const passwords = Object.fromEntries(
      CLICKHOUSE_USER_NAMES.map((user) => [
        user,
        new random.RandomPassword(
          `${name}-${user}`,
          { length: 40, special: false, minUpper: 4, minLower: 4, minNumeric: 4 },
          parent,
        ).result,
      ]),
    ) as Record<ClickHouseUser, pulumi.Output<string>>;
    this.passwords = passwords;
    const usersSecret = new k8s.core.v1.Secret(
      `${name}-users`,
      {
        metadata: { name: USERS_SECRET, namespace: this.namespace },
        type: "Opaque",
        stringData: passwords,
      },
      { ...k8sOptions, dependsOn: [namespace] },
    );

    // The operator's own ClickHouse user; its chart would otherwise ship a well-known password.
    const operatorSecret = new k8s.core.v1.Secret(
      `${name}-operator-credentials`,
      {
        metadata: { name: "clickhouse-operator-credentials", namespace: this.namespace },
        type: "Opaque",
        stringData: {
          username: "clickhouse_operator",
          password: new random.RandomPassword(
            `${name}-operator`,
            { length: 40, special: false, minUpper: 4, minLower: 4, minNumeric: 4 },
            parent,
          ).result,
        },
      },
      { ...k8sOptions, dependsOn: [namespace] },
    );

    const ingestSecret = new aws.secretsmanager.Secret(
      `${name}-ingest`,
      {
        description: "Password of the ClickHouse ingest user (real-time playback logs)",
        kmsKeyId: userDataKeyArn,
        recoveryWindowInDays: 7,
        tags: dataTags("user-data"),
      },
      parent,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-ingest`,
      { secretId: ingestSecret.id, secretString: passwords.ingest },
      parent,
    );
    this.ingestSecretArn = ingestSecret.arn;

    const backups = new SecureBucket(
      `${name}-backups`,
      {
        dataClass: "user-data",
        encryption: { kmsKeyArn: userDataKeyArn },
        lifecycleRules: [
          {
            id: "expire-old-backups",
            status: "Enabled",
            filter: {},
            expiration: { days: settings.backupRetentionDays },
            noncurrentVersionExpiration: { noncurrentDays: 7 },
          },
        ],
      },
      parent,
    );
    this.backupBucketName = backups.bucketName;
    const backupIdentity = args.cluster.podIdentity(
      `${name}-backup`,
      {
        context,
        namespace: this.namespace,
        serviceAccount: "clickhouse",
        statements: [
          {
            Sid: "ListBackups",
            Action: ["s3:ListBucket", "s3:GetBucketLocation"],
            Resource: backups.arn,
          },
          {
            Sid: "ReadAndWriteBackups",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Resource: pulumi.interpolate`${backups.arn}/*`,
          },
          ...(args.lake === undefined
            ? []
            : [
                {
                  Sid: "ListCuratedEvents",
                  Action: ["s3:ListBucket"],
                  Resource: args.lake.bucketArn,
                  Condition: {
                    StringLike: { "s3:prefix": [`${args.lake.curatedPrefix}*`] },
                  },
                },
                {
                  Sid: "ReadCuratedEvents",
                  Action: ["s3:GetObject"],
                  Resource: pulumi.interpolate`${args.lake.bucketArn}/${args.lake.curatedPrefix}*`,
                },
              ]),
          {
            Sid: "EncryptBackups",
            Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            Resource: userDataKeyArn,
            Condition: {
              StringEquals: { "kms:ViaService": `s3.${context.region}.amazonaws.com` },
            },
          },
        ],
      },
      this,
    );

    const operator = helmRelease(
      `${name}-operator`,
      {
        source: THIRD_PARTY_CHARTS.clickhouseOperator,
        namespace: this.namespace,
        provider,
        valueFiles: ["clickhouse-operator/values.yaml"],
        values: {},
        dependsOn: [namespace, operatorSecret, ...args.dependsOn],
      },
      this,
    );
    const placement = placementOn("clickhouse");
    const memory = `${settings.memoryGiB}Gi`;
    this.release = helmRelease(
      installation,
      {
        source: { local: "clickhouse" },
        namespace: this.namespace,
        provider,
        dependsOn: [operator, usersSecret, backupIdentity],
        timeoutSeconds: 1200,
        values: {
          fullnameOverride: installation,
          clusterName: CLICKHOUSE_CLUSTER,
          image: { tag: settings.version },
          shards: settings.shards,
          replicas: settings.replicas,
          serviceAccountName: "clickhouse",
          storage: { storageClassName: ENCRYPTED_STORAGE_CLASS, size: `${settings.storageGiB}Gi` },
          resources: {
            requests: { cpu: String(settings.cpu), memory },
            limits: { cpu: String(settings.cpu * 2), memory },
          },
          users: CLICKHOUSE_USER_NAMES.map((user) => ({
            name: user,
            passwordSecret: { name: USERS_SECRET, key: user },
            profile: CLICKHOUSE_USERS[user].profile,
            networks:
              CLICKHOUSE_USERS[user].network === "loopback" ? LOOPBACK_NETWORKS : [args.vpcCidr],
            grants: [...CLICKHOUSE_USERS[user].grants],
          })),
          nodeSelector: placement.nodeSelector,
          tolerations: placement.tolerations,
          keeper: {
            replicas: settings.keeperReplicas,
            image: { tag: settings.version },
            storage: { storageClassName: ENCRYPTED_STORAGE_CLASS },
            nodeSelector: placement.nodeSelector,
            tolerations: placement.tolerations,
          },
          metrics: { enabled: true },
          backup: {
            enabled: true,
            bucket: backups.bucketName,
            region: context.region,
            kmsKeyArn: userDataKeyArn,
            user: "backup",
          },
        },
      },
      this,
    );

    // Internal TLS endpoint for clients in the VPC.
    this.loadBalancerSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-nlb`,
      {
        vpcId: args.vpcId,
        description: "ClickHouse load balancer: TLS from admitted clients only",
        tags: { Name: `${args.stack}-clickhouse-nlb` },
      },
      parent,
    );
    this.loadBalancerSecurityGroupId = this.loadBalancerSecurityGroup.id;
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-nlb-to-pods`,
      {
        securityGroupId: this.loadBalancerSecurityGroup.id,
        referencedSecurityGroupId: args.cluster.clusterSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: CLICKHOUSE_HTTP_PORT,
        toPort: CLICKHOUSE_HTTP_PORT,
        description: "To ClickHouse pods",
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-pods-from-nlb`,
      {
        securityGroupId: args.cluster.clusterSecurityGroupId,
        referencedSecurityGroupId: this.loadBalancerSecurityGroup.id,
        ipProtocol: "tcp",
        fromPort: CLICKHOUSE_HTTP_PORT,
        toPort: CLICKHOUSE_HTTP_PORT,
        description: "ClickHouse HTTP from its load balancer",
      },
      parent,
    );
    const loadBalancer = new aws.lb.LoadBalancer(
      `${name}-nlb`,
      {
        loadBalancerType: "network",
        internal: true,
        subnets: args.privateSubnetIds,
        securityGroups: [this.loadBalancerSecurityGroup.id],
        enableDeletionProtection: true,
        enableCrossZoneLoadBalancing: true,
      },
      parent,
    );
    const targetGroup = new aws.lb.TargetGroup(
      `${name}-http`,
      {
        vpcId: args.vpcId,
        targetType: "ip",
        protocol: "TCP",
        port: CLICKHOUSE_HTTP_PORT,
        deregistrationDelay: 30,
        healthCheck: { protocol: "HTTP", path: "/ping", port: "traffic-port", matcher: "200" },
      },
      parent,
    );
    const certificateArn = validatedCertificate(
      `${name}-tls`,
      { hostnames: [args.hostname], hostedZoneId: args.hostedZoneId },
      this,
    );
    new aws.lb.Listener(
      `${name}-tls`,
      {
        loadBalancerArn: loadBalancer.arn,
        port: CLICKHOUSE_TLS_PORT,
        protocol: "TLS",
        certificateArn,
        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
      },
      parent,
    );
    new aws.route53.Record(
      `${name}-endpoint`,
      {
        zoneId: args.hostedZoneId,
        name: args.hostname,
        type: "A",
        aliases: [
          { name: loadBalancer.dnsName, zoneId: loadBalancer.zoneId, evaluateTargetHealth: true },
        ],
      },
      parent,
    );
    new k8s.apiextensions.CustomResource(
      `${name}-target-group-binding`,
      {
        apiVersion: "elbv2.k8s.aws/v1beta1",
        kind: "TargetGroupBinding",
        metadata: { name: "clickhouse-http", namespace: this.namespace },
        spec: {
          serviceRef: { name: `clickhouse-${installation}`, port: CLICKHOUSE_HTTP_PORT },
          targetGroupARN: targetGroup.arn,
          targetType: "ip",
        },
      },
      { parent: this, provider, dependsOn: [this.release] },
    );
    this.registerOutputs({
      url: this.url,
      internalUrl: this.internalUrl,
      ingestSecretArn: this.ingestSecretArn,
      backupBucketName: this.backupBucketName,
    });
  }

  /** Lets a security group's members reach the TLS endpoint. */
  admit(name: string, securityGroupId: pulumi.Input<string>, description: string): void {
    new aws.vpc.SecurityGroupIngressRule(
      name,
      {
        securityGroupId: this.loadBalancerSecurityGroup.id,
        referencedSecurityGroupId: securityGroupId,
        ipProtocol: "tcp",
        fromPort: CLICKHOUSE_TLS_PORT,
        toPort: CLICKHOUSE_TLS_PORT,
        description,
      },
      { parent: this },
    );
  }
}

/**
 * The URL of every server inside the cluster, per shard: the operator gives each host a Service
 * named `chi-<installation>-<cluster>-<shard>-<replica>` (indexes from 0), so a client can reach
 * one server of a given shard rather than any server behind the installation's Service.
 */
export function shardHostUrls(
  installation: string,
  namespace: string,
  layout: Pick<ClickHouseSettings, "shards" | "replicas">,
): string[][] {
  return Array.from({ length: layout.shards }, (_, shard) =>
    Array.from(
      { length: layout.replicas },
      (_, replica) =>
        `http://chi-${installation}-${CLICKHOUSE_CLUSTER}-${shard}-${replica}.${namespace}.svc.cluster.local:${CLICKHOUSE_HTTP_PORT}`,
    ),
  );
}

/**
 * `shardUrls` as one environment variable (`CLICKHOUSE_SHARD_URLS`) for the rollup job: shards
 * separated by `;`, the replicas of a shard by `,` (read by
 * functions/analytics/clickhouse/qoe-rollup-shards.ts, `readShardUrls`).
 */
export function shardUrlsVariable(shardUrls: readonly (readonly string[])[]): string {
  return shardUrls.map((replicas) => replicas.join(",")).join(";");
}
