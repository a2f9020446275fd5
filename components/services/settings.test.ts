import { describe, expect, it } from "vitest";
import {
  MIN_CONSUL_STORAGE_GIB,
  microservicesProblems,
  microservicesSettingsSchema,
} from "./settings";

const JWT = { issuer: "https://auth.knowledgecity.com/", audience: ["api.knowledgecity.com"] };
const route = { method: "GET", path: "/courses" };

describe("microservices settings", () => {
  it("resolves throttling, quota and Consul defaults", () => {
    expect(microservicesSettingsSchema.parse({ jwt: JWT })).toEqual({
      enabled: true,
      jwt: JWT,
      throttle: { rateLimit: 100, burstLimit: 200 },
      quota: { limit: 100_000, period: "DAY" },
      consul: { serverReplicas: 3, storageGiB: 20 },
      services: [],
    });
  });

  it("needs an issuer while on, and names each service once, callers among them", () => {
    const settings = microservicesSettingsSchema.parse({
      services: [
        { name: "courses", port: 8080, routes: [route] },
        { name: "courses", port: 8081, routes: [route], callers: ["billing"] },
      ],
    });
    expect(microservicesProblems(settings).map((p) => p.path)).toEqual([
      ["jwt"],
      ["services", 1, "name"],
      ["services", 1, "callers", 0],
    ]);
    expect(microservicesProblems({ ...settings, enabled: false, services: [] })).toEqual([]);
  });
});

describe("the Consul volume", () => {
  it("is refused at config below the size the component requires", () => {
    const consul = (storageGiB: number) =>
      microservicesSettingsSchema.safeParse({ consul: { storageGiB } }).success;
    expect(consul(MIN_CONSUL_STORAGE_GIB - 1)).toBe(false);
    expect(consul(MIN_CONSUL_STORAGE_GIB)).toBe(true);
  });
});
