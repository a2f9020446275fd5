import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";
import type { KubernetesCluster } from "../kubernetes/kubernetes-cluster";
import { imageRepository } from "../shared/image-repository";
import type { HttpApiTarget } from "./http-api";
import {
  API_GATEWAY_NAME,
  CONSUL_API_VERSION,
  CONSUL_NAMESPACE,
  GATEWAY_API_VERSION,
  GATEWAY_LISTENER,
  GATEWAY_ROUTES_LABEL,
  MESH_INJECTION_LABEL,
  type HttpRouteSpec,
  type IntentionSource,
  type ServiceDefaultsSpec,
  type ServiceIntentionsSpec,
} from "./mesh";
import { createPartnerApi, type PartnerAccess } from "./partner-api";
import {
  routeKeyOf,
  routePrefix,
  routeSlug,
  type MicroserviceOutputs,
  type ServiceDefinition,
  type SettledService,
  type Throttle,
} from "./service-definition";
import { namespacedCustomResource } from "../kubernetes/custom-resource";

/** Arguments of `Microservice`. */
export interface MicroserviceArgs {
  /** Account, partition and region (ARNs, trust policies). */
  readonly context: AwsContext;
  /** The cluster of the service's namespace, pods and pod identity. */
  readonly cluster: KubernetesCluster;
  /** A valid definition (see `serviceProblems`). */
  readonly definition: ServiceDefinition;
  /** KMS key of the image repository (the stack's content key). */
  readonly repositoryKeyArn: pulumi.Input<string>;
  /** The Consul release, whose CRDs the mesh resources need. */
  readonly consulRelease: pulumi.Resource;
  /** The API gateway, which the service's HTTPRoute attaches to. */
  readonly gateway: pulumi.Resource;
  /** The HTTP API the service's routes join. */
  readonly httpApi: HttpApiTarget;
  /** Shared partner settings; required when the definition lists API-key clients. */
  readonly partner?: PartnerAccess;
  /** The stage default, used by the partner stage when the service sets no throttle. */
  readonly defaultThrottle: Throttle;
}

/**
 * One service of the platform: its namespace (Pod Security `restricted`, selected for sidecar
 * injection, allowed to attach routes to the gateway) and service account, a Pod Identity role
 * only when it needs AWS permissions, its ECR repository, its mesh settings (HTTP protocol, an
 * intention admitting the API gateway and its callers), an HTTPRoute from the gateway for
 * `/v1/<name>`, its JWT-protected routes on the HTTP API, and, when partners call it with API
 * keys, a REST API of its own with a usage plan (so a partner's key opens only the services that
 * list the partner).
 *
 * Its Deployment and Service come from the service's own chart: the pods run as the service
 * account `<name>`, carry the annotation `consul.hashicorp.com/connect-inject: "true"`, and the
 * Service `<name>` exposes `port`.
 */
export class Microservice
  extends pulumi.ComponentResource
  implements MicroserviceOutputs, SettledService
{
  public readonly namespace: string;
  public readonly serviceAccount: string;
  public readonly repositoryUrl: pulumi.Output<string>;
  public readonly routeKeys: readonly string[];
  public readonly partnerUrl?: pulumi.Output<string>;
  /** The definition it was built from. */
  public readonly definition: ServiceDefinition;
  /** Its HTTP API routes, which the stage's route settings wait for. */
  public readonly apiRoutes: readonly aws.apigatewayv2.Route[];

  constructor(name: string, args: MicroserviceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:services:Microservice", name, {}, opts);
    const definition = args.definition;
    const service = definition.name;
    this.definition = definition;
    this.namespace = service;
    this.serviceAccount = service;
    this.routeKeys = definition.routes.map((route) => routeKeyOf(service, route));
    const parent = { parent: this };
    const provider = args.cluster.provider;

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: service,
          labels: {
            "pod-security.kubernetes.io/enforce": "restricted",
            [MESH_INJECTION_LABEL.key]: MESH_INJECTION_LABEL.value,
            [GATEWAY_ROUTES_LABEL.key]: GATEWAY_ROUTES_LABEL.value,
          },
        },
      },
      { parent: this, provider, dependsOn: args.cluster.ready },
    );
    new k8s.core.v1.ServiceAccount(
      `${name}-service-account`,
      { metadata: { name: service, namespace: service } },
      { parent: this, provider, dependsOn: [namespace] },
    );
    const permissions = definition.permissions ?? [];
    if (permissions.length > 0) {
      args.cluster.podIdentity(
        `${name}-identity`,
        {
          context: args.context,
          namespace: service,
          serviceAccount: service,
          statements: permissions,
        },
        this,
      );
    }

    const repository = imageRepository(
      `${name}-image`,
      { repositoryName: `knowledgecity/${service}`, kmsKeyArn: args.repositoryKeyArn },
      this,
    );
    this.repositoryUrl = repository.repositoryUrl;

    // Mesh: speaks HTTP (so intentions and the gateway work at L7), admits its callers only.
    const meshOptions = { parent: this, provider, dependsOn: [namespace, args.consulRelease] };
    const defaults: ServiceDefaultsSpec = { protocol: "http" };
    namespacedCustomResource(
      `${name}-defaults`,
      {
        apiVersion: CONSUL_API_VERSION,
        kind: "ServiceDefaults",
        name: service,
        namespace: service,
        spec: defaults,
      },
      meshOptions,
    );
    const intentions: ServiceIntentionsSpec = {
      destination: { name: service },
      sources: [
        { name: API_GATEWAY_NAME, action: "allow", description: "Requests from the HTTP API" },
        ...(definition.callers ?? []).map((caller): IntentionSource => ({
          name: caller,
          action: "allow",
          description: "Declared caller",
        })),
      ],
    };
    namespacedCustomResource(
      `${name}-intentions`,
      {
        apiVersion: CONSUL_API_VERSION,
        kind: "ServiceIntentions",
        name: service,
        namespace: service,
        spec: intentions,
      },
      meshOptions,
    );
    const route: HttpRouteSpec = {
      parentRefs: [
        { name: API_GATEWAY_NAME, namespace: CONSUL_NAMESPACE, sectionName: GATEWAY_LISTENER },
      ],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: routePrefix(service) } }],
          backendRefs: [{ name: service, port: definition.port }],
        },
      ],
    };
    namespacedCustomResource(
      `${name}-route`,
      {
        apiVersion: GATEWAY_API_VERSION,
        kind: "HTTPRoute",
        name: service,
        namespace: service,
        spec: route,
      },
      { parent: this, provider, dependsOn: [namespace, args.gateway] },
    );

    // Public routes: every one behind the JWT authorizer, all to the gateway's integration.
    this.apiRoutes = definition.routes.map(
      (apiRoute) =>
        new aws.apigatewayv2.Route(
          `${name}-${routeSlug(apiRoute)}`,
          {
            apiId: args.httpApi.apiId,
            routeKey: routeKeyOf(service, apiRoute),
            target: pulumi.interpolate`integrations/${args.httpApi.integrationId}`,
            authorizationType: "JWT",
            authorizerId: args.httpApi.authorizerId,
          },
          parent,
        ),
    );

    const clients = definition.apiKeyClients ?? [];
    if (clients.length > 0) {
      if (args.partner === undefined) {
        throw new pulumi.ResourceError(
          `${name}: apiKeyClients need the shared partner settings`,
          this,
        );
      }
      this.partnerUrl = createPartnerApi(
        name,
        { definition, clients, partner: args.partner, throttle: args.defaultThrottle },
        this,
      ).url;
    }
    this.registerOutputs({
      namespace: this.namespace,
      repositoryUrl: this.repositoryUrl,
      routeKeys: this.routeKeys,
      ...(this.partnerUrl === undefined ? {} : { partnerUrl: this.partnerUrl }),
    });
  }
}
