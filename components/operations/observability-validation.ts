/**
 * Validation of `Observability`'s arguments: every problem at once, each naming its field, the
 * value and what is expected.
 */
import type { AlarmThresholds } from "./alarms";
import type { ObservedResources } from "./metrics";
import type { ObservabilityArgs } from "./observability";
import type { PrometheusSettings } from "./prometheus";

/**
 * Prometheus's bounds, checked here and by the observability settings' schema: samples kept 1 to
 * 90 days, and a volume of at least 10 GiB.
 */
export const PROMETHEUS_BOUNDS = {
  retentionDays: { min: 1, max: 90 },
  minStorageGiB: 10,
} as const;

/** Fewest visible messages a dead-letter alarm may fire on: one, a whole message. */
export const MIN_DEAD_LETTER_MESSAGES = 1;

/**
 * The index of each address listed before, ignoring case (mail delivery does for the domain, and
 * the alert topics' subscriptions would collide): the second of two is refused.
 */
export function repeatedEmailIndexes(emails: readonly string[]): number[] {
  const lowerCase = emails.map((email) => email.toLowerCase());
  return lowerCase.flatMap((email, index) => (lowerCase.indexOf(email) < index ? [index] : []));
}

const ID_PATTERN = /^[a-z][a-z0-9-]*$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** A Kubernetes object name or namespace (DNS-1123 label). */
const K8S_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A container port name (IANA service name). */
const PORT_NAME_PATTERN = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;

/** Every problem with the arguments, each naming its field, the value and what is expected. */
export function observabilityProblems(args: ObservabilityArgs): string[] {
  const thresholdProblems = (
    Object.entries(args.thresholds) as [keyof AlarmThresholds, number][]
  ).flatMap(([field, value]) => {
    if (field === "deadLetterMessages") {
      return Number.isInteger(value) && value >= MIN_DEAD_LETTER_MESSAGES
        ? []
        : [
            `thresholds.${field} = ${value}: expected an integer of at least ${MIN_DEAD_LETTER_MESSAGES}`,
          ];
    }
    return Number.isFinite(value) && value > 0
      ? []
      : [`thresholds.${field} = ${value}: expected a finite number above 0`];
  });
  const idProblems = (
    Object.entries(args.resources) as [keyof ObservedResources, readonly { id: string }[]][]
  ).flatMap(([kind, entries]) => {
    const seen = new Set<string>();
    return entries.flatMap(({ id }, index) => {
      const problems: string[] = [];
      if (!ID_PATTERN.test(id)) {
        problems.push(
          `resources.${kind}[${index}].id = "${id}": expected lower-case letters, digits and hyphens, starting with a letter`,
        );
      }
      if (seen.has(id)) {
        problems.push(`resources.${kind}[${index}].id = "${id}": already used by another entry`);
      }
      seen.add(id);
      return problems;
    });
  });
  const groupProblems = args.resources.autoScalingGroups.flatMap(({ minSize }, index) =>
    Number.isInteger(minSize) && minSize >= 1
      ? []
      : [
          `resources.autoScalingGroups[${index}].minSize = ${minSize}: expected an integer of at least 1 (a group allowed to be empty has no floor to alarm on)`,
        ],
  );
  const repeated = repeatedEmailIndexes(args.alertEmails);
  const emailProblems = args.alertEmails.flatMap((email, index) => [
    ...(EMAIL_PATTERN.test(email)
      ? []
      : [`alertEmails[${index}] = "${email}": expected an email address such as ops@example.com`]),
    ...(repeated.includes(index) ? [`alertEmails[${index}] = "${email}": listed twice`] : []),
  ]);
  return [
    ...thresholdProblems,
    ...idProblems,
    ...groupProblems,
    ...emailProblems,
    ...(args.prometheus === undefined ? [] : prometheusProblems(args.prometheus)),
  ];
}

export function prometheusProblems(
  settings: Pick<PrometheusSettings, "retentionDays" | "storageGiB" | "podMonitors">,
): string[] {
  const { retentionDays, storageGiB } = settings;
  const days = PROMETHEUS_BOUNDS.retentionDays;
  const names = settings.podMonitors.map((monitor) => monitor.name);
  return [
    ...(Number.isInteger(retentionDays) && retentionDays >= days.min && retentionDays <= days.max
      ? []
      : [
          `prometheus.retentionDays = ${retentionDays}: expected an integer from ${days.min} to ${days.max}`,
        ]),
    ...(Number.isInteger(storageGiB) && storageGiB >= PROMETHEUS_BOUNDS.minStorageGiB
      ? []
      : [
          `prometheus.storageGiB = ${storageGiB}: expected an integer of at least ${PROMETHEUS_BOUNDS.minStorageGiB}`,
        ]),
    ...settings.podMonitors.flatMap((monitor, index) => {
      const field = `prometheus.podMonitors[${index}]`;
      return [
        ...(K8S_NAME_PATTERN.test(monitor.name)
          ? []
          : [`${field}.name = "${monitor.name}": expected a Kubernetes name (DNS label)`]),
        ...(names.indexOf(monitor.name) < index
          ? [`${field}.name = "${monitor.name}": already used by another PodMonitor`]
          : []),
        ...(K8S_NAME_PATTERN.test(monitor.namespace)
          ? []
          : [`${field}.namespace = "${monitor.namespace}": expected a Kubernetes namespace`]),
        ...(Object.keys(monitor.matchLabels).length > 0
          ? []
          : [`${field}.matchLabels: empty; it would scrape every pod of the namespace`]),
        ...(PORT_NAME_PATTERN.test(monitor.port)
          ? []
          : [`${field}.port = "${monitor.port}": expected a container port name (not a number)`]),
        ...(monitor.path.startsWith("/")
          ? []
          : [`${field}.path = "${monitor.path}": expected an absolute path such as /metrics`]),
      ];
    }),
  ];
}
