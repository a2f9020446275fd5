/**
 * What a service of the platform declares (its routes, callers, partner clients, throttle and
 * permissions) and how its routes and child resources are named.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { WorkloadStatement } from "../kubernetes/pod-identity";

/** The HTTP methods a route may name; `ANY` matches every method. */
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "ANY"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One route of a service's public API, below the service's prefix `/v1/<name>`. */
export interface ServiceRoute {
  readonly method: HttpMethod;
  /** Below the prefix, e.g. `/courses/{id}` or `/{proxy+}` (a greedy parameter comes last). */
  readonly path: string;
}

/** API Gateway throttling: steady requests per second and the burst above it. */
export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** A service of the platform: what config (or `Microservices.addService`) declares. */
export interface ServiceDefinition {
  /**
   * `^[a-z][a-z0-9-]{1,30}$`, not ending with a hyphen: the namespace, the service account, the
   * mesh name, the ECR repository `knowledgecity/<name>` and the route prefix `/v1/<name>`.
   */
  readonly name: string;
  /**
   * The service's container port (1024-65535), which its Kubernetes Service `<name>` also
   * exposes; the sidecar's own ports are refused.
   */
  readonly port: number;
  /** Its public routes; at least one. */
  readonly routes: readonly ServiceRoute[];
  /**
   * Other mesh services allowed to call it: services from config, or added before it.
   * @default []
   */
  readonly callers?: readonly string[];
  /**
   * Partner clients that call it with an API key, through a REST API of its own with a usage
   * plan (HTTP APIs have no API keys). @default [] (no partner access)
   */
  readonly apiKeyClients?: readonly string[];
  /** Throttling of each of its routes, instead of the stage's default. @default the default */
  readonly throttle?: Throttle;
  /** AWS permissions of its pods, through EKS Pod Identity. @default [] (no role at all) */
  readonly permissions?: readonly WorkloadStatement[];
}

/** What a service gets: where its pods run and what its image and clients use. */
export interface MicroserviceOutputs {
  /** The Kubernetes namespace, named after the service. */
  readonly namespace: string;
  /** The service account its pods must run as (Consul's ACLs require this exact name). */
  readonly serviceAccount: string;
  /** Where CI pushes its images (immutable tags). */
  readonly repositoryUrl: pulumi.Output<string>;
  /** Its routes on the HTTP API, e.g. `GET /v1/courses/{id}`. */
  readonly routeKeys: readonly string[];
  /** Base URL of its partner REST API, when it has API-key clients. */
  readonly partnerUrl?: pulumi.Output<string>;
}

/** The prefix of a service's routes. */
export function routePrefix(service: string): string {
  return `/v1/${service}`;
}

/** The HTTP API route key of a service's route: `GET /v1/courses/{id}`. */
export function routeKeyOf(service: string, route: ServiceRoute): string {
  return `${route.method} ${routePrefix(service)}${route.path}`;
}

/** A short, stable hash of a text, for child names and redeployment triggers. */
export function shortHash(text: string, length = 8): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** The child-name suffix of a route: readable, and unique through the hash of its key. */
export function routeSlug(route: ServiceRoute): string {
  const readable = route.path
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
  return `${route.method.toLowerCase()}-${readable === "" ? "root" : readable}-${shortHash(`${route.method} ${route.path}`, 6)}`;
}

/** What the shared parts (stage, load balancer) read of each service once all are known. */
export interface SettledService {
  /** The definition it was built from. */
  readonly definition: ServiceDefinition;
  /** Its routes on the HTTP API. */
  readonly routeKeys: readonly string[];
  /** Its HTTP API routes, which the stage's route settings wait for. */
  readonly apiRoutes: readonly pulumi.Resource[];
}
