import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";
import { helmRelease, THIRD_PARTY_CHARTS, type ChartSource } from "./helm";
import type { KubernetesCluster } from "./kubernetes-cluster";
import { SYSTEM_TAINT } from "./kubernetes-cluster";
import type { WorkloadStatement } from "./pod-identity";

/** The ExternalDNS chart, pinned with the others. */
export const EXTERNAL_DNS_CHART = THIRD_PARTY_CHARTS.externalDns;

/** The record types ExternalDNS manages; its TXT ownership records come on top. */
export const EXTERNAL_DNS_RECORD_TYPES = ["A", "AAAA", "CNAME"] as const;

/** The namespace and service account ExternalDNS runs as. */
const NAMESPACE = "kube-system";
const SERVICE_ACCOUNT = "external-dns";

/** Arguments of `ExternalDns`. */
export interface ExternalDnsArgs {
  /** Account, partition and region (ARNs, trust policies). */
  readonly context: AwsContext;
  /** The cluster it runs on (its provider, its pod identity). */
  readonly cluster: KubernetesCluster;
  /** The cluster's name, recorded as the owner of every record this instance writes. */
  readonly clusterName: string;
  /** The stack's public hosted zone (its bare id, `Z…`): the only zone ExternalDNS may change. */
  readonly hostedZoneId: pulumi.Input<string>;
  /** The zone's domain or a subdomain of it: ExternalDNS writes no record outside it. */
  readonly domain: string;
  /** @default EXTERNAL_DNS_CHART */
  readonly chart?: ChartSource;
}

/**
 * ExternalDNS, which writes the Route 53 records of Ingresses (the ALBs of the load balancer
 * controller) and Services into the stack's hosted zone. Its pod identity may change records of
 * that one zone only, and only names in `domain`. The policy is `upsert-only`: it creates and
 * updates records but never deletes one, the safe choice for a zone other tools write too; TXT
 * registry records owned by the cluster's name keep it off records it did not create.
 */
export class ExternalDns extends pulumi.ComponentResource {
  /** The Helm release, for anything that needs records published. */
  public readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: ExternalDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:analytics:ExternalDns", name, {}, opts);
    const { context, clusterName } = args;
    const domain = args.domain.toLowerCase().replace(/\.$/, "");
    const problems = [
      ...(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(clusterName)
        ? []
        : [
            `clusterName = ${JSON.stringify(clusterName)}: an EKS cluster name (letters, digits, - and _, at most 100)`,
          ]),
      ...(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain)
        ? []
        : [
            `domain = ${JSON.stringify(args.domain)}: a DNS name such as analytics.example.com, without wildcards`,
          ]),
    ];
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }

    const identity = args.cluster.podIdentity(
      `${name}-controller`,
      {
        context,
        namespace: NAMESPACE,
        serviceAccount: SERVICE_ACCOUNT,
        statements: externalDnsStatements({ context, hostedZoneId: args.hostedZoneId, domain }),
      },
      this,
    );

    this.release = helmRelease(
      name,
      {
        source: args.chart ?? EXTERNAL_DNS_CHART,
        namespace: NAMESPACE,
        provider: args.cluster.provider,
        dependsOn: [...args.cluster.ready, identity],
        values: {
          provider: { name: "aws" },
          policy: "upsert-only",
          registry: "txt",
          txtOwnerId: clusterName,
          sources: ["ingress", "service"],
          domainFilters: [domain],
          managedRecordTypes: [...EXTERNAL_DNS_RECORD_TYPES],
          // The chart has no value for these flags; a map of extra arguments sets them.
          extraArgs: {
            "zone-id-filter": [args.hostedZoneId],
            "aws-zone-type": "public",
          },
          // Pod Identity supplies credentials but no region, and pods cannot reach instance
          // metadata to find one.
          env: [{ name: "AWS_REGION", value: context.region }],
          serviceAccount: { create: true, name: SERVICE_ACCOUNT },
          nodeSelector: { "knowledgecity.io/node-role": "system" },
          tolerations: [{ ...SYSTEM_TAINT, operator: "Equal" }],
          resources: {
            requests: { cpu: "50m", memory: "64Mi" },
            limits: { memory: "128Mi" },
          },
        },
      },
      this,
    );
    this.registerOutputs({ release: this.release });
  }
}

/** What the policy of ExternalDNS is scoped to. */
interface ExternalDnsPolicyArgs {
  /** The partition of the zone's ARN. */
  readonly context: AwsContext;
  /** The only zone it may change. */
  readonly hostedZoneId: pulumi.Input<string>;
  /** The only domain it may write records in. */
  readonly domain: string;
}

/**
 * The role's policy: records of one zone, of the managed types, named in one domain. The TXT
 * ownership record of the domain's own name is `<type>-<domain>` (ExternalDNS prefixes the first
 * label), so those names are listed too.
 */
function externalDnsStatements(args: ExternalDnsPolicyArgs): WorkloadStatement[] {
  const { context, hostedZoneId, domain } = args;
  const zone = pulumi.interpolate`arn:${context.partition}:route53:::hostedzone/${hostedZoneId}`;
  const ownershipOfTheDomainName = EXTERNAL_DNS_RECORD_TYPES.map(
    (type) => `${type.toLowerCase()}-${domain}`,
  );
  return [
    {
      Sid: "ChangeRecordsInTheDomain",
      Action: ["route53:ChangeResourceRecordSets"],
      Resource: zone,
      Condition: {
        "ForAllValues:StringLike": {
          "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
            domain,
            `*.${domain}`,
            ...ownershipOfTheDomainName,
          ],
        },
        "ForAllValues:StringEquals": {
          "route53:ChangeResourceRecordSetsRecordTypes": [...EXTERNAL_DNS_RECORD_TYPES, "TXT"],
        },
      },
    },
    {
      Sid: "ReadTheZone",
      Action: ["route53:ListResourceRecordSets", "route53:ListTagsForResources"],
      Resource: zone,
    },
    {
      Sid: "FindTheZone",
      // ListHostedZones has no resource-level permissions; Route 53 is global, so no region
      // condition applies.
      Action: ["route53:ListHostedZones"],
      Resource: "*",
    },
  ];
}
