import { type BadCase, set } from "../config-test-support";

/** Bad configurations of observability (components/operations/settings.ts), and the problem each raises. */
export const operationsCases: readonly BadCase[] = [
  {
    name: "an alarm threshold of zero",
    mutations: [set("knowledgecity:observability", { thresholds: { alb5xxPerMinute: 0 } })],
    key: "knowledgecity:observability.thresholds.alb5xxPerMinute",
    value: "0",
    allowed: "expected a positive number",
  },
  {
    name: "Prometheus kept longer than 90 days",
    mutations: [set("knowledgecity:observability", { prometheus: { retentionDays: 365 } })],
    key: "knowledgecity:observability.prometheus.retentionDays",
    value: "365",
    allowed: "expected an integer from 1 to 90",
  },
  {
    name: "one alert address twice, in other case",
    mutations: [
      set("knowledgecity:observability", {
        alertEmails: ["ops@knowledgecity.com", "OPS@knowledgecity.com"],
      }),
    ],
    key: "knowledgecity:observability.alertEmails[1]",
    value: '"OPS@knowledgecity.com"',
    allowed: "listed twice (addresses are compared ignoring case)",
  },
];
