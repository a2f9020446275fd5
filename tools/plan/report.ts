/**
 * The human-readable plan: per stack, the resources per component, counts per type and policy
 * violations; across stacks, what differs.
 */
import {
  componentTree,
  countBy,
  isProvider,
  shortType,
  subtreeSize,
  type ComponentNode,
} from "./graph";
import type { StackPlan } from "./document";

/** The whole report for one or more stacks. */
export function renderReport(plans: readonly StackPlan[]): string {
  const sections = plans.map(renderStack);
  if (plans.length > 1) {
    sections.push(renderDifferences(plans));
  }
  return `${sections.join("\n\n")}\n`;
}

/** One stack's section. */
export function renderStack(plan: StackPlan): string {
  const { config, document, recorded } = plan;
  const cloud = recorded.filter((r) => r.custom && !isProvider(r));
  const lines = [
    `== Stack ${document.stack} ==`,
    `region ${config.region} | jurisdiction ${config.jurisdiction} | user data in ${config.userStore.kind} | allowed regions ${config.allowedRegions.join(", ")} | ${config.primary ? "primary (hosts the global edge)" : "regional"}`,
    `${cloud.length} cloud resources, ${recorded.filter((r) => !r.custom).length} components, ${recorded.filter(isProvider).length} providers`,
    "",
    "Resources per component:",
    ...renderComponent(componentTree(recorded), 1),
    "",
    "Resources per type:",
    ...table([...countBy(cloud, (r) => r.type)].map(([type, count]) => [type, String(count)])).map(
      (l) => `  ${l}`,
    ),
    "",
    ...renderViolations(plan),
  ];
  return lines.join("\n");
}

function renderComponent(node: ComponentNode, depth: number): string[] {
  const indent = "  ".repeat(depth);
  return [
    `${indent}${shortType(node.resource.type)} ${node.resource.name}: ${subtreeSize(node)}`,
    ...[...countBy(node.resources, (r) => shortType(r.type))].map(
      ([type, count]) => `${indent}  - ${type} x${count}`,
    ),
    ...node.components.flatMap((child) => renderComponent(child, depth + 1)),
  ];
}

function renderViolations(plan: StackPlan): string[] {
  const { violations } = plan.document;
  if (violations.length === 0) {
    return ["Policy: no violations."];
  }
  const mandatory = violations.filter((v) => v.enforcement === "mandatory").length;
  return [
    `Policy: ${violations.length} violation(s), ${mandatory} mandatory:`,
    ...violations.map((v) => `  [${v.enforcement}] ${v.rule}: ${v.message}`),
  ];
}

/** What differs between stacks: settings and resource counts per type. */
export function renderDifferences(plans: readonly StackPlan[]): string {
  const stacks = plans.map((p) => p.document.stack);
  const settings: [string, (p: StackPlan) => string][] = [
    ["region", (p) => p.config.region],
    ["jurisdiction", (p) => p.config.jurisdiction],
    ["allowed regions", (p) => p.config.allowedRegions.join(" ")],
    [
      "user store",
      (p) =>
        `${p.config.userStore.kind}${p.config.userStore.replicaRegions.length > 0 ? ` -> ${p.config.userStore.replicaRegions.join(" ")}` : ""}`,
    ],
    ["primary", (p) => (p.config.primary ? "yes" : "no")],
    [
      "geolocation",
      (p) =>
        [
          ...p.config.dns.geolocation.countries,
          ...(p.config.dns.geolocation.default ? ["default"] : []),
        ].join(" "),
    ],
    ["VPC CIDR", (p) => p.config.network.cidr],
  ];
  const settingRows = settings.map(([label, read]) => [label, ...plans.map(read)]);

  const counts = plans.map((p) =>
    countBy(
      p.recorded.filter((r) => r.custom && !isProvider(r)),
      (r) => r.type,
    ),
  );
  const types = [...new Set(counts.flatMap((c) => [...c.keys()]))].sort();
  const typeRows = types
    .map((type) => [type, ...counts.map((c) => String(c.get(type) ?? 0))])
    .filter((row) => new Set(row.slice(1)).size > 1);

  return [
    `== Differences between stacks (${stacks.join(", ")}) ==`,
    "Settings:",
    ...table([["", ...stacks], ...settingRows]).map((l) => `  ${l}`),
    "",
    typeRows.length === 0
      ? "Resource types: every stack has the same count of every type."
      : "Resource types whose counts differ:",
    ...(typeRows.length === 0
      ? []
      : table([["type", ...stacks], ...typeRows]).map((l) => `  ${l}`)),
  ].join("\n");
}

/** Left-aligned columns. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows.reduce<number[]>(
    (acc, row) => row.map((cell, i) => Math.max(acc[i] ?? 0, cell.length)),
    [],
  );
  return rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}
