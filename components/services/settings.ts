import { z } from "zod";
import { flag, integer, type SettingsIssue } from "../shared/settings";

/** The smallest volume of a Consul server, in GiB: its Raft log and snapshots. */
export const MIN_CONSUL_STORAGE_GIB = 10;

const SERVICE_NAME = /^[a-z][a-z0-9-]{1,30}$/;

/** API Gateway throttling: steady requests per second and the burst above it. */
const throttleSchema = z.strictObject({
  rateLimit: integer(1, 100_000),
  burstLimit: integer(1, 100_000),
});

/** The microservices platform of a stack, on the analytics cluster. */
export const microservicesSettingsSchema = z
  .strictObject({
    /** Whether the stack runs the microservices platform (needs the analytics cluster). @default true */
    enabled: flag.default(true),
    /** The JWT authorizer of the API: the identity provider's issuer and the API's audiences. */
    jwt: z
      .strictObject({
        issuer: z.string().regex(/^https:\/\/[^\s]+$/, { error: "expected an https issuer URL" }),
        audience: z
          .array(z.string().min(1, { error: "expected a non-empty audience" }))
          .min(1, { error: "expected at least one audience" }),
      })
      .optional(),
    /** Default throttling of every route. @default 100 requests/s, bursts of 200 */
    throttle: throttleSchema.default({ rateLimit: 100, burstLimit: 200 }),
    /** Quota of each API-key client. @default 100000 a day */
    quota: z
      .strictObject({
        limit: integer(1, 1_000_000_000),
        period: z.enum(["DAY", "WEEK", "MONTH"], { error: 'expected "DAY", "WEEK" or "MONTH"' }),
      })
      .default({ limit: 100_000, period: "DAY" }),
    /** The Consul servers. */
    consul: z
      .strictObject({
        /** @default 3 */
        serverReplicas: z
          .union([z.literal(3), z.literal(5)], { error: "expected 3 or 5" })
          .default(3),
        /** Each server's volume, from `MIN_CONSUL_STORAGE_GIB` to 1024. @default 20 */
        storageGiB: integer(MIN_CONSUL_STORAGE_GIB, 1024).default(20),
      })
      .prefault({}),
    /** The services: each gets a namespace, identity, ECR repository, mesh entry and routes. */
    services: z
      .array(
        z.strictObject({
          name: z.string().regex(SERVICE_NAME, { error: `expected ${SERVICE_NAME.source}` }),
          port: integer(1024, 65535),
          routes: z
            .array(
              z.strictObject({
                method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "ANY"], {
                  error: "expected GET, POST, PUT, PATCH, DELETE or ANY",
                }),
                path: z.string().regex(/^\/(?!.*\/\/)[A-Za-z0-9_{}+./-]*$/, {
                  error: 'expected a path starting with "/", such as /courses/{id}',
                }),
              }),
            )
            .min(1, { error: "expected at least one route" }),
          callers: z
            .array(z.string().regex(SERVICE_NAME, { error: `expected ${SERVICE_NAME.source}` }))
            .optional(),
          apiKeyClients: z
            .array(
              z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, {
                error: "expected a client name of lower-case letters, digits and dashes",
              }),
            )
            .optional(),
          throttle: throttleSchema.optional(),
        }),
      )
      .default([]),
  })
  .prefault({});

/** The microservices platform's settings, every default resolved. */
export type MicroservicesSettings = z.output<typeof microservicesSettingsSchema>;

/**
 * What is wrong between the microservices settings: no JWT issuer while on, a name two services
 * share, or a caller that is no listed service.
 */
export function microservicesProblems(services: MicroservicesSettings): SettingsIssue[] {
  const problems: SettingsIssue[] = [];
  if (services.enabled && services.jwt === undefined) {
    problems.push({
      path: ["jwt"],
      input: undefined,
      message:
        "required when microservices.enabled is true: { issuer, audience } of the identity provider",
    });
  }
  const names = services.services.map((service) => service.name);
  services.services.forEach((service, index) => {
    if (names.indexOf(service.name) !== index) {
      problems.push({
        path: ["services", index, "name"],
        input: service.name,
        message: "expected a name no other service has",
      });
    }
    (service.callers ?? []).forEach((caller, callerIndex) => {
      if (!names.includes(caller)) {
        problems.push({
          path: ["services", index, "callers", callerIndex],
          input: caller,
          message: `expected the names of services listed here (${names.join(", ")})`,
        });
      }
    });
  });
  return problems;
}
