import { describe, expect, it } from "vitest";
import type { ServiceDefinition } from "./service-definition";
import { ENROLMENTS, CERTIFICATES, failure, type RunOptions } from "./microservices.fixtures";

describe("Microservices", () => {
  describe("refuses", () => {
    const oneLine = async (options: RunOptions, expected: string) => {
      const message = await failure(options);
      expect(message).toContain(expected);
      expect(message).not.toContain("\n");
    };

    it("a service added twice", async () => {
      await oneLine(
        { added: [CERTIFICATES, CERTIFICATES] },
        'addService("certificates"): services.certificates exists already',
      );
      await oneLine({ added: [ENROLMENTS] }, 'addService("enrolments"): services.enrolments');
    });

    it("a service added once the services are settled", async () => {
      await oneLine({ added: [], late: CERTIFICATES }, "the services are settled already");
    });

    // Eleven runs of the whole component: more than the default time on a busy machine.
    it("bad service definitions, naming the field", async () => {
      const bad = (definition: Partial<ServiceDefinition>) => ({
        added: [{ ...CERTIFICATES, ...definition }],
      });
      await oneLine(bad({ name: "Certificates" }), 'services."Certificates".name = "Certificates"');
      await oneLine(bad({ name: "consul" }), 'services.consul.name = "consul": reserved');
      await oneLine(bad({ port: 80 }), "services.certificates.port = 80: an integer from 1024");
      await oneLine(bad({ port: 20000 }), "services.certificates.port = 20000: used by the mesh");
      await oneLine(bad({ routes: [] }), "services.certificates.routes: at least one route");
      await oneLine(
        bad({ routes: [{ method: "GET", path: "certificates" }] }),
        'services.certificates.routes[0].path = "certificates": must start with "/"',
      );
      await oneLine(
        bad({ routes: [{ method: "GET", path: "/a//b" }] }),
        'services.certificates.routes[0].path = "/a//b": no empty segment',
      );
      await oneLine(
        bad({ routes: [{ method: "GET", path: "/{proxy+}/x" }] }),
        'services.certificates.routes[0].path = "/{proxy+}/x": segment "{proxy+}"',
      );
      await oneLine(
        bad({ callers: ["billing"] }),
        'services.certificates.callers: "billing" is not a service defined before it',
      );
      await oneLine(
        bad({ throttle: { rateLimit: 0, burstLimit: 1.5 } }),
        "services.certificates.throttle.rateLimit = 0: a positive integer",
      );
      await oneLine(
        bad({ apiKeyClients: ["Acme Corp"] }),
        'services.certificates.apiKeyClients: "Acme Corp" is not',
      );
    }, 120_000);

    it("bad settings, naming the field, all at once", async () => {
      const message = await failure({
        args: {
          jwt: { issuer: "http://auth.knowledgecity.com/", audience: ["web"] },
          throttle: { rateLimit: -1, burstLimit: 10 },
          quota: { limit: 0, period: "MONTH" },
          consul: { serverReplicas: 4 as 3, storageGiB: 20 },
        },
      });
      expect(message).not.toContain("\n");
      for (const expected of [
        'jwt.issuer = "http://auth.knowledgecity.com/": an https URL',
        "throttle.rateLimit = -1: a positive integer",
        "quota.limit = 0: a positive integer",
        "consul.serverReplicas = 4: 3 or 5",
      ]) {
        expect(message).toContain(expected);
      }
    });

    it("callers of config services that are not services", async () => {
      await oneLine(
        { services: [{ ...ENROLMENTS, callers: ["billing"] }], added: [] },
        'services.enrolments.callers: "billing" is not a service defined before it',
      );
    });
  });
});
