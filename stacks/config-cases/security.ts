import { type BadCase, set } from "../config-test-support";

/** Bad configurations of compliance (components/security/settings.ts), and the problem each raises. */
export const securityCases: readonly BadCase[] = [
  {
    name: "a backup schedule that is not a cron expression",
    mutations: [set("knowledgecity:compliance", { backup: { schedule: "daily" } })],
    key: "knowledgecity:compliance.backup.schedule",
    value: '"daily"',
    allowed: "expected an AWS cron expression",
  },
  {
    name: "backups deleted before the cold-storage minimum",
    mutations: [set("knowledgecity:compliance", { backup: { deleteAfterDays: 30 } })],
    key: "knowledgecity:compliance.backup.deleteAfterDays",
    value: "30",
    allowed: "expected at least 91 days",
  },
  {
    name: "backups deleted before they have spent 90 days in cold storage",
    mutations: [
      set("knowledgecity:compliance", {
        backup: { coldStorageAfterDays: 60, deleteAfterDays: 120 },
      }),
    ],
    key: "knowledgecity:compliance.backup.deleteAfterDays",
    value: "120",
    allowed: "expected at least coldStorageAfterDays + 90 (150)",
  },
];
