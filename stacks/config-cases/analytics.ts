import { type BadCase, set } from "../config-test-support";

/** Bad configurations of the analytics cluster (components/analytics/settings.ts), and the problem each raises. */
export const analyticsCases: readonly BadCase[] = [
  {
    name: "a Kubernetes API CIDR whose address is not an address",
    mutations: [set("knowledgecity:analytics", { publicAccessCidrs: ["999.1.1.1/16"] })],
    key: "knowledgecity:analytics.publicAccessCidrs[0]",
    value: '"999.1.1.1/16"',
    allowed: "999.1.1.1 is not an IPv4 address; expected an IPv4 CIDR of /16 or narrower",
  },
  {
    name: "a Kubernetes API CIDR that is a host inside its prefix",
    mutations: [set("knowledgecity:analytics", { publicAccessCidrs: ["203.0.113.7/24"] })],
    key: "knowledgecity:analytics.publicAccessCidrs[0]",
    value: '"203.0.113.7/24"',
    allowed: "host bits set: the network address of /24 here is 203.0.113.0/24",
  },
  {
    name: "an analytics setting that does not exist",
    mutations: [set("knowledgecity:analytics", { replicas: 3 })],
    key: "knowledgecity:analytics.replicas",
    value: undefined,
    allowed:
      "unknown key; allowed keys are enabled, kubernetesVersion, deployFrom, publicAccessCidrs, adminRoleArns, deployRoleArn, previewRoleArn, systemNodes, nodePools, clickhouse, api, ingest, lake",
  },
  {
    name: "an unsupported Kubernetes version",
    mutations: [set("knowledgecity:analytics", { kubernetesVersion: "1.27" })],
    key: "knowledgecity:analytics.kubernetesVersion",
    value: '"1.27"',
    allowed: "expected one of 1.35, 1.36",
  },
  {
    // 1.34 left EKS standard support on 2026-12-02.
    name: "a Kubernetes version past EKS standard support",
    mutations: [set("knowledgecity:analytics", { kubernetesVersion: "1.34" })],
    key: "knowledgecity:analytics.kubernetesVersion",
    value: '"1.34"',
    allowed: "expected one of 1.35, 1.36",
  },
  {
    name: "a deploy from outside the VPC with a private-only API endpoint",
    mutations: [set("knowledgecity:analytics", { deployFrom: "cidrs" })],
    key: "knowledgecity:analytics.deployFrom",
    value: '"cidrs"',
    allowed:
      "the deploy runs outside the VPC but the API endpoint is private only (analytics.publicAccessCidrs is empty)",
  },
  {
    name: "a deploy location that is neither the VPC nor listed CIDRs",
    mutations: [set("knowledgecity:analytics", { deployFrom: "laptop" })],
    key: "knowledgecity:analytics.deployFrom",
    value: '"laptop"',
    allowed: 'expected "vpc" (a runner in the private subnets) or "cidrs" (from publicAccessCidrs)',
  },
  {
    name: "a deploy role that is not an IAM role ARN",
    mutations: [
      set("knowledgecity:analytics", {
        deployRoleArn: "arn:aws:iam::111122223333:user/deployer",
      }),
    ],
    key: "knowledgecity:analytics.deployRoleArn",
    value: '"arn:aws:iam::111122223333:user/deployer"',
    allowed: "expected an IAM role ARN such as arn:aws:iam::123456789012:role/name",
  },
  {
    name: "a preview role that is an assumed-role session, not a role",
    mutations: [
      set("knowledgecity:analytics", {
        previewRoleArn: "arn:aws:sts::111122223333:assumed-role/preview/session",
      }),
    ],
    key: "knowledgecity:analytics.previewRoleArn",
    value: '"arn:aws:sts::111122223333:assumed-role/preview/session"',
    allowed: "expected an IAM role ARN such as arn:aws:iam::123456789012:role/name",
  },
  {
    name: "the deploy role listed again as an admin",
    mutations: [
      set("knowledgecity:analytics", {
        deployRoleArn: "arn:aws:iam::111122223333:role/deploy",
        adminRoleArns: ["arn:aws:iam::111122223333:role/deploy"],
      }),
    ],
    key: "knowledgecity:analytics.adminRoleArns[0]",
    value: '"arn:aws:iam::111122223333:role/deploy"',
    allowed: "the deploy role (analytics.deployRoleArn) is cluster-admin as the cluster's creator",
  },
  {
    name: "the deploy role used for previews",
    mutations: [
      set("knowledgecity:analytics", {
        deployRoleArn: "arn:aws:iam::111122223333:role/deploy",
        previewRoleArn: "arn:aws:iam::111122223333:role/deploy",
      }),
    ],
    key: "knowledgecity:analytics.previewRoleArn",
    value: '"arn:aws:iam::111122223333:role/deploy"',
    allowed: "expected a role other than analytics.deployRoleArn: previews run read-only",
  },
  {
    name: "a single ClickHouse replica",
    mutations: [set("knowledgecity:analytics", { clickhouse: { replicas: 1 } })],
    key: "knowledgecity:analytics.clickhouse.replicas",
    value: "1",
    allowed: "expected an integer from 2 to 5",
  },
  {
    name: "a Kubernetes API open to the internet",
    mutations: [set("knowledgecity:analytics", { publicAccessCidrs: ["0.0.0.0/0"] })],
    key: "knowledgecity:analytics.publicAccessCidrs[0]",
    value: '"0.0.0.0/0"',
    allowed: "expected an IPv4 CIDR of /16 or narrower (never 0.0.0.0/0)",
  },
  {
    name: "an x86 system node type",
    mutations: [set("knowledgecity:analytics", { systemNodes: { instanceTypes: ["m7i.large"] } })],
    key: "knowledgecity:analytics.systemNodes.instanceTypes[0]",
    value: '"m7i.large"',
    allowed: "expected a Graviton (arm64) instance type such as m7g.large",
  },
  {
    name: "an API image tag (the deployment builds and pushes the image itself)",
    mutations: [set("knowledgecity:analytics", { api: { imageTag: "1.4.2" } })],
    key: "knowledgecity:analytics.api.imageTag",
    value: undefined,
    allowed:
      "unknown key; allowed keys are minReplicas, maxReplicas, cpuTargetPercent, internetFacing",
  },
  {
    name: "fewer API replicas allowed at most than at least",
    mutations: [set("knowledgecity:analytics", { api: { minReplicas: 4, maxReplicas: 3 } })],
    key: "knowledgecity:analytics.api.maxReplicas",
    value: "3",
    allowed: "expected at least analytics.api.minReplicas (4)",
  },
  {
    name: "a Glue job on an unknown capacity class",
    mutations: [set("knowledgecity:analytics", { lake: { executionClass: "SPOT" } })],
    key: "knowledgecity:analytics.lake.executionClass",
    value: '"SPOT"',
    allowed: 'expected "FLEX" or "STANDARD"',
  },
  {
    name: "one admin role twice",
    mutations: [
      set("knowledgecity:analytics", {
        adminRoleArns: [
          "arn:aws:iam::111122223333:role/platform-admin",
          "arn:aws:iam::111122223333:role/platform-admin",
        ],
      }),
    ],
    key: "knowledgecity:analytics.adminRoleArns[1]",
    value: '"arn:aws:iam::111122223333:role/platform-admin"',
    allowed: "listed twice: a principal has one access entry; remove this one",
  },
];
