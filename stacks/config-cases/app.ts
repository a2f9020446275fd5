import { type BadCase, set, setField } from "../config-test-support";

/** Bad configurations of the monolith (components/app/settings.ts), and the problem each raises. */
export const appCases: readonly BadCase[] = [
  {
    name: "a monolith whose minimum is larger than its maximum",
    mutations: [set("knowledgecity:monolith", { minSize: 8, maxSize: 4 })],
    key: "knowledgecity:monolith.maxSize",
    value: "4",
    allowed: "expected at least minSize (8)",
  },
  {
    name: "a desired capacity outside the group's bounds",
    mutations: [set("knowledgecity:monolith", { minSize: 2, maxSize: 4, desiredCapacity: 9 })],
    key: "knowledgecity:monolith.desiredCapacity",
    value: "9",
    allowed: "expected a value from minSize to maxSize (2 to 4)",
  },
  {
    name: "an unknown monolith mode",
    mutations: [set("knowledgecity:monolith", { mode: "kubernetes" })],
    key: "knowledgecity:monolith.mode",
    value: '"kubernetes"',
    allowed:
      'expected "ec2" (the Lambda mode was removed: an HTTP API takes no WAF and it had no path to the user store)',
  },
  {
    name: "the removed Lambda mode",
    mutations: [set("knowledgecity:monolith", { mode: "lambda" })],
    key: "knowledgecity:monolith.mode",
    value: '"lambda"',
    allowed:
      'expected "ec2" (the Lambda mode was removed: an HTTP API takes no WAF and it had no path to the user store)',
  },
  {
    name: "the removed Lambda mode's settings",
    mutations: [set("knowledgecity:monolith", { lambda: { codeKey: "app.zip" } })],
    key: "knowledgecity:monolith.lambda",
    value: undefined,
    allowed: "unknown key; allowed keys are mode, instanceType",
  },
  {
    name: "an x86 instance type for the arm64 image",
    mutations: [set("knowledgecity:monolith", { instanceType: "m7i.large" })],
    key: "knowledgecity:monolith.instanceType",
    value: '"m7i.large"',
    allowed: "expected a Graviton (arm64) instance type",
  },
  {
    name: "DNS off without a certificate for the API",
    mutations: [setField("knowledgecity:dns", "enabled", false)],
    key: "knowledgecity:monolith.certificateArn",
    value: "(missing)",
    allowed: "required when dns.enabled is false",
  },
];
