/**
 * The shared harness of the Microservices tests: service definitions (from config and added),
 * and a run of the component on a cluster with the mock engine.
 */
import {
  record,
  Recorded,
  runComponent,
  TEST_CONTEXT,
  platformProviders,
  type EngineRun,
  type RecordedResource,
} from "../../tools/plan/engine";
import { DataKeys } from "../security/data-keys";
import { KubernetesCluster } from "../kubernetes/kubernetes-cluster";
import { Microservices, type MicroservicesArgs } from "./microservices";
import type { ServiceDefinition } from "./service-definition";

/** Subnets of every run. */
export const SUBNETS = ["subnet-a", "subnet-b", "subnet-c"];
/** The HTTP API's custom domain. */
export const HOSTNAME = "services.sa.knowledgecity.com";
/** The JWT issuer. */
export const ISSUER = "https://auth.knowledgecity.com/";

/** From config: partner clients, a throttle of its own, AWS permissions, a caller. */
export const COURSES: ServiceDefinition = {
  name: "courses",
  port: 8080,
  routes: [
    { method: "GET", path: "/courses" },
    { method: "GET", path: "/courses/{id}" },
    { method: "POST", path: "/courses" },
  ],
  callers: ["enrolments"],
  apiKeyClients: ["acme", "globex"],
  throttle: { rateLimit: 50, burstLimit: 100 },
  permissions: [
    {
      Sid: "ReadCatalog",
      Action: ["s3:GetObject"],
      Resource: "arn:aws:s3:::kc-course-catalog/*",
    },
  ],
};

/** From config: the bare minimum. */
export const ENROLMENTS: ServiceDefinition = {
  name: "enrolments",
  port: 9000,
  routes: [{ method: "ANY", path: "/{proxy+}" }],
};

/** Added through `addService`: a caller from config and a partner client shared with courses. */
export const CERTIFICATES: ServiceDefinition = {
  name: "certificates",
  port: 8443,
  routes: [{ method: "GET", path: "/certificates/{id}" }],
  callers: ["courses"],
  apiKeyClients: ["acme"],
};

/** What a run changes from the defaults. */
export interface RunOptions {
  readonly services?: readonly ServiceDefinition[];
  readonly added?: readonly ServiceDefinition[];
  /** Added after an await, once the component has settled. */
  readonly late?: ServiceDefinition;
  readonly args?: Partial<MicroservicesArgs>;
}

export function run(options: RunOptions = {}): Promise<EngineRun> {
  return runComponent(async (provider) => {
    const keys = new DataKeys(
      "keys",
      { context: TEST_CONTEXT, stack: "me-south-1" },
      { providers: platformProviders(provider) },
    );
    const cluster = new KubernetesCluster(
      "eks",
      {
        context: TEST_CONTEXT,
        clusterName: "kc-me-south-1-analytics",
        version: "1.35",
        vpcId: "vpc-1",
        privateSubnetIds: SUBNETS,
        keys,
      },
      { providers: platformProviders(provider) },
    );
    const microservices = new Microservices(
      "services",
      {
        context: TEST_CONTEXT,
        stack: "me-south-1",
        cluster,
        keys,
        vpcId: "vpc-1",
        privateSubnetIds: SUBNETS,
        hostname: HOSTNAME,
        hostedZoneId: "Z0ZONE0000",
        jwt: { issuer: ISSUER, audience: ["knowledgecity-web", "knowledgecity-mobile"] },
        throttle: { rateLimit: 1000, burstLimit: 2000 },
        quota: { limit: 100_000, period: "MONTH" },
        consul: { serverReplicas: 3, storageGiB: 20 },
        services: options.services ?? [COURSES, ENROLMENTS],
        dependsOn: [],
        ...options.args,
      },
      { providers: platformProviders(provider) },
    );
    for (const definition of options.added ?? [CERTIFICATES]) {
      microservices.addService(definition);
    }
    keys.seal();
    if (options.late !== undefined) {
      await new Promise((resolve) => setImmediate(resolve));
      microservices.addService(options.late);
    }
  });
}

/** The message a failing run throws. */
export async function failure(options: RunOptions): Promise<string> {
  try {
    await run(options);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error("the run did not fail");
}

/** Resource types the tests look up. */
export const T = {
  route: "aws:apigatewayv2/route:Route",
  stage: "aws:apigatewayv2/stage:Stage",
  integration: "aws:apigatewayv2/integration:Integration",
  authorizer: "aws:apigatewayv2/authorizer:Authorizer",
  vpcLink: "aws:apigatewayv2/vpcLink:VpcLink",
  restApi: "aws:apigateway/restApi:RestApi",
  restVpcLink: "aws:apigateway/vpcLink:VpcLink",
  restMethod: "aws:apigateway/method:Method",
  restIntegration: "aws:apigateway/integration:Integration",
  restStage: "aws:apigateway/stage:Stage",
  methodSettings: "aws:apigateway/methodSettings:MethodSettings",
  usagePlan: "aws:apigateway/usagePlan:UsagePlan",
  usagePlanKey: "aws:apigateway/usagePlanKey:UsagePlanKey",
  apiKey: "aws:apigateway/apiKey:ApiKey",
  account: "aws:apigateway/account:Account",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  repository: "aws:ecr/repository:Repository",
  lifecycle: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  association: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
  release: "kubernetes:helm.sh/v3:Release",
  namespace: "kubernetes:core/v1:Namespace",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  intentions: "kubernetes:consul.hashicorp.com/v1alpha1:ServiceIntentions",
  defaults: "kubernetes:consul.hashicorp.com/v1alpha1:ServiceDefaults",
  gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
  httpRoute: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
  binding: "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding",
} as const;

/** A recorded Kubernetes object's metadata. */
export const metadataOf = (resource: RecordedResource) => record(resource.inputs.metadata);
/** A recorded custom resource's spec. */
export const specOf = (resource: RecordedResource) => record(resource.inputs.spec);
/** The one recorded object of that metadata name. */
export const byMetadataName = (resources: RecordedResource[], name: string): RecordedResource => {
  const found = resources.filter((resource) => metadataOf(resource).name === name);
  if (found.length !== 1) {
    throw new Error(`expected one resource named ${name}, found ${found.length}`);
  }
  return found[0] as RecordedResource;
};

/** Counts of resources per type, the component's own children only. */
export function typeCounts(recorded: Recorded): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of recorded.resources) {
    if (resource.name.startsWith("services")) {
      counts[resource.type] = (counts[resource.type] ?? 0) + 1;
    }
  }
  return counts;
}
