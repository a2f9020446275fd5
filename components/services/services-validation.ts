/**
 * Validation of the services platform: its arguments and each service definition. Every problem
 * at once, each one line naming the field, the value and what is allowed.
 */
import type { MicroservicesArgs } from "./microservices";
import { API_GATEWAY_NAME, CONSUL_NAMESPACE } from "./mesh";
import { QUOTA_PERIODS } from "./partner-api";
import { HTTP_METHODS, type ServiceDefinition, type Throttle } from "./service-definition";
import { MIN_CONSUL_STORAGE_GIB } from "./settings";

const SERVICE_NAME = /^[a-z][a-z0-9-]{1,30}$/;
const CLIENT_NAME = /^[a-z][a-z0-9-]{1,62}$/;
const LITERAL_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const PARAMETER_SEGMENT = /^\{[A-Za-z_][A-Za-z0-9_]*\}$/;
const GREEDY_SEGMENT = /^\{[A-Za-z_][A-Za-z0-9_]*\+\}$/;

/** Names a service cannot take: namespaces the platform already uses, and the gateway's. */
export const RESERVED_SERVICE_NAMES: readonly string[] = [
  CONSUL_NAMESPACE,
  API_GATEWAY_NAME,
  "default",
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "analytics",
  "clickhouse",
];

/**
 * Ports of the injected Consul dataplane in each pod (inbound listener, transparent-proxy
 * outbound, Envoy admin, merged and proxy metrics, graceful shutdown), which a service cannot use.
 */
export const SIDECAR_PORTS: readonly number[] = [15001, 19000, 20000, 20100, 20200, 20600];

/** The problems of a throttle, each naming `field`. */
export function throttleProblems(field: string, throttle: Throttle): string[] {
  return [
    ...(!Number.isInteger(throttle.rateLimit) || throttle.rateLimit <= 0
      ? [`${field}.rateLimit = ${throttle.rateLimit}: a positive integer (requests per second)`]
      : []),
    ...(!Number.isInteger(throttle.burstLimit) || throttle.burstLimit <= 0
      ? [`${field}.burstLimit = ${throttle.burstLimit}: a positive integer (requests)`]
      : []),
  ];
}

/** The problem of a route path, if any. */
function pathProblem(path: string): string | undefined {
  if (!path.startsWith("/")) {
    return 'must start with "/"';
  }
  const segments = path.slice(1).split("/");
  if (segments.some((segment) => segment === "")) {
    return 'no empty segment ("//" or a trailing "/")';
  }
  const last = segments.length - 1;
  const bad = segments.find(
    (segment, index) =>
      !LITERAL_SEGMENT.test(segment) &&
      !PARAMETER_SEGMENT.test(segment) &&
      !(index === last && GREEDY_SEGMENT.test(segment)),
  );
  return bad === undefined
    ? undefined
    : `segment "${bad}": letters, digits and "._~-", a {parameter}, or a greedy {name+} last`;
}

function duplicates(values: readonly string[]): string[] {
  return [...new Set(values.filter((value, index) => values.indexOf(value) !== index))];
}

/**
 * Every problem of a service definition, each one line naming the field, the value and what is
 * allowed. `knownServices` are the services a caller may name (defined before this one).
 */
export function serviceProblems(
  definition: ServiceDefinition,
  knownServices: ReadonlySet<string>,
): string[] {
  const name = definition.name;
  const field = `services.${SERVICE_NAME.test(name) ? name : JSON.stringify(name)}`;
  const callers = definition.callers ?? [];
  const clients = definition.apiKeyClients ?? [];
  const routeKeys = definition.routes.map((route) => `${route.method} ${route.path}`);
  return [
    ...(!SERVICE_NAME.test(name) || name.endsWith("-")
      ? [
          `${field}.name = ${JSON.stringify(name)}: 2-31 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen`,
        ]
      : []),
    ...(RESERVED_SERVICE_NAMES.includes(name)
      ? [`${field}.name = "${name}": reserved by the platform`]
      : []),
    ...(!Number.isInteger(definition.port) || definition.port < 1024 || definition.port > 65535
      ? [`${field}.port = ${definition.port}: an integer from 1024 to 65535`]
      : []),
    ...(SIDECAR_PORTS.includes(definition.port)
      ? [
          `${field}.port = ${definition.port}: used by the mesh sidecar (${SIDECAR_PORTS.join(", ")})`,
        ]
      : []),
    ...(definition.routes.length === 0 ? [`${field}.routes: at least one route`] : []),
    ...definition.routes.flatMap((route, index) => {
      const problem = pathProblem(route.path);
      return [
        ...(HTTP_METHODS.includes(route.method)
          ? []
          : [
              `${field}.routes[${index}].method = ${JSON.stringify(route.method)}: one of ${HTTP_METHODS.join(", ")}`,
            ]),
        ...(problem === undefined
          ? []
          : [`${field}.routes[${index}].path = ${JSON.stringify(route.path)}: ${problem}`]),
      ];
    }),
    ...duplicates(routeKeys).map((key) => `${field}.routes: "${key}" is listed twice`),
    ...callers
      .filter((caller) => caller === name || !knownServices.has(caller))
      .map((caller) =>
        caller === name
          ? `${field}.callers: "${caller}" is the service itself`
          : `${field}.callers: "${caller}" is not a service defined before it (known: ${[...knownServices].join(", ") || "none"})`,
      ),
    ...duplicates(callers).map((caller) => `${field}.callers: "${caller}" is listed twice`),
    ...clients
      .filter((client) => !CLIENT_NAME.test(client) || client.endsWith("-"))
      .map(
        (client) =>
          `${field}.apiKeyClients: ${JSON.stringify(client)} is not 2-63 lower-case letters, digits and hyphens starting with a letter`,
      ),
    ...duplicates(clients).map((client) => `${field}.apiKeyClients: "${client}" is listed twice`),
    ...(definition.throttle === undefined
      ? []
      : throttleProblems(`${field}.throttle`, definition.throttle)),
    ...(definition.permissions ?? []).flatMap((statement, index) =>
      statement.Action.length === 0 || statement.Action.includes("*")
        ? [`${field}.permissions[${index}] (${statement.Sid}): explicit actions, never "*"`]
        : [],
    ),
    ...duplicates((definition.permissions ?? []).map((statement) => statement.Sid)).map(
      (sid) => `${field}.permissions: Sid "${sid}" is used twice`,
    ),
  ];
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Every problem of the arguments and of the services from config, each one line. */
export function microservicesArgsProblems(args: MicroservicesArgs): string[] {
  const names = args.services.map((service) => service.name);
  const known = new Set(names);
  let issuer: URL | undefined;
  try {
    issuer = new URL(args.jwt.issuer);
  } catch {
    issuer = undefined;
  }
  return [
    ...(!HOSTNAME.test(args.hostname)
      ? [`hostname = ${JSON.stringify(args.hostname)}: a lower-case DNS name`]
      : []),
    ...(issuer?.protocol !== "https:"
      ? [`jwt.issuer = ${JSON.stringify(args.jwt.issuer)}: an https URL`]
      : []),
    ...(args.jwt.audience.length === 0 || args.jwt.audience.some((audience) => audience === "")
      ? ["jwt.audience: at least one non-empty audience"]
      : []),
    ...throttleProblems("throttle", args.throttle),
    ...(!Number.isInteger(args.quota.limit) || args.quota.limit <= 0
      ? [`quota.limit = ${args.quota.limit}: a positive integer (requests per period)`]
      : []),
    ...(!QUOTA_PERIODS.includes(args.quota.period)
      ? [`quota.period = ${JSON.stringify(args.quota.period)}: one of ${QUOTA_PERIODS.join(", ")}`]
      : []),
    ...(args.consul.serverReplicas !== 3 && args.consul.serverReplicas !== 5
      ? [`consul.serverReplicas = ${String(args.consul.serverReplicas)}: 3 or 5`]
      : []),
    ...(!Number.isInteger(args.consul.storageGiB) || args.consul.storageGiB < MIN_CONSUL_STORAGE_GIB
      ? [
          `consul.storageGiB = ${args.consul.storageGiB}: an integer of at least ${MIN_CONSUL_STORAGE_GIB}`,
        ]
      : []),
    ...[...new Set(names.filter((name, index) => names.indexOf(name) !== index))].map(
      (name) => `services: "${name}" is defined twice`,
    ),
    ...args.services.flatMap((service) => serviceProblems(service, known)),
  ];
}
