import { type BadCase, remove, set } from "../config-test-support";

/** Bad configurations of the microservices platform (components/services/settings.ts), and the problem each raises. */
export const servicesCases: readonly BadCase[] = [
  {
    name: "a microservices setting that does not exist",
    mutations: [set("knowledgecity:microservices", { replicas: 3 })],
    key: "knowledgecity:microservices.replicas",
    value: undefined,
    allowed: "unknown key; allowed keys are enabled, throttle, quota, consul, services",
  },
  {
    name: "microservices without the identity provider",
    mutations: [remove("knowledgecity:identityProvider")],
    key: "knowledgecity:identityProvider",
    value: undefined,
    allowed:
      "required when microservices.enabled is true: { issuer, audience } of the identity provider",
  },
  {
    name: "a JWT issuer over plain HTTP",
    mutations: [
      set("knowledgecity:identityProvider", {
        issuer: "http://auth.example.com/",
        audience: ["api"],
      }),
    ],
    key: "knowledgecity:identityProvider.issuer",
    value: '"http://auth.example.com/"',
    allowed: "expected an https issuer URL",
  },
  {
    name: "the JWT settings under microservices, where they were before they moved to Pulumi.yaml",
    mutations: [
      set("knowledgecity:microservices", {
        jwt: { issuer: "https://auth.example.com/", audience: ["api"] },
      }),
    ],
    key: "knowledgecity:microservices.jwt",
    value: '{"issuer":"https://auth.example.com/","audience":["api"]}',
    allowed: "moved to knowledgecity:identityProvider, set once for every stack in Pulumi.yaml",
  },
  {
    name: "a service called by a service that does not exist",
    mutations: [
      set("knowledgecity:microservices", {
        services: [
          {
            name: "catalog",
            port: 8080,
            routes: [{ method: "GET", path: "/" }],
            callers: ["ghost"],
          },
        ],
      }),
    ],
    key: "knowledgecity:microservices.services[0].callers[0]",
    value: '"ghost"',
    allowed: "expected the names of services listed here (catalog)",
  },
];
