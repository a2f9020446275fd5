import { describe, expect, it } from "vitest";
import { configRows, configTableReadmeBlock, projectConfigDrift } from "./config-docs";
import { readProjectFile, type ProjectFile } from "./stack-files";

const project = readProjectFile();

/** The project with one declaration changed. */
function withDeclaration(
  key: string,
  change: (declaration: Record<string, unknown>) => Record<string, unknown>,
): ProjectFile {
  return {
    ...project,
    config: { ...project.config, [key]: change({ ...project.config[key] }) },
  };
}

describe("Pulumi.yaml's declarations and the zod schemas", () => {
  it("agree: descriptions, types, defaults and what every stack must set", () => {
    expect(projectConfigDrift(project)).toEqual([]);
  });

  it.each<[string, ProjectFile, string]>([
    [
      "a description edited in Pulumi.yaml only",
      withDeclaration("knowledgecity:primary", (d) => ({ ...d, description: "the main stack" })),
      'knowledgecity:primary: description "the main stack", the schema\'s "hosts the global edge; exactly one stack is primary"',
    ],
    [
      "a declared type the schema does not have",
      withDeclaration("knowledgecity:logRetentionDays", (d) => ({ ...d, type: "string" })),
      "knowledgecity:logRetentionDays: declared type string, the schema's integer",
    ],
    [
      "an array of the wrong items",
      withDeclaration("knowledgecity:allowedRegions", (d) => ({
        ...d,
        items: { type: "integer" },
      })),
      "knowledgecity:allowedRegions: declared type array<integer>, the schema's array<string>",
    ],
    [
      "a default that is not the schema's",
      withDeclaration("knowledgecity:logRetentionDays", (d) => ({ ...d, default: 30 })),
      "knowledgecity:logRetentionDays: default 30, the schema's 365",
    ],
    [
      "a typeable key left undeclared",
      {
        ...project,
        config: Object.fromEntries(
          Object.entries(project.config).filter(([key]) => key !== "knowledgecity:jurisdiction"),
        ),
      },
      "knowledgecity:jurisdiction: Pulumi can type it (string) but Pulumi.yaml does not declare it",
    ],
    [
      "an optional key every stack would have to set",
      withDeclaration("knowledgecity:primary", (d) => ({ ...d, default: undefined })),
      "knowledgecity:primary: Pulumi.yaml requires it of every stack, the schema does not",
    ],
    [
      "a key the schema does not have",
      withDeclaration("knowledgecity:dnsDomain", () => ({ type: "string", value: "a.com" })),
      "knowledgecity:dnsDomain: not a key of the stack schema (stacks/config.ts)",
    ],
  ])("drift when there is %s", (_name, planted, line) => {
    expect(projectConfigDrift(planted)).toContain(line);
  });
});

describe("the README's config table", () => {
  const { rows, undocumented } = configRows(project);
  const byKey = new Map(rows.map((row) => [row.key, row]));

  it("documents every key of the schema, each once", () => {
    expect(undocumented).toEqual([]);
    expect(byKey.size).toBe(rows.length);
    for (const row of rows) {
      expect(row.meaning, row.key).not.toBe("");
      expect(row.type, row.key).not.toBe("");
      expect(row.default, row.key).not.toBe("");
    }
  });

  it("keeps every row of the hand-written table it replaces", () => {
    const handWritten = [
      "aws:region",
      "pulumi:disable-default-providers",
      "knowledgecity:jurisdiction",
      "knowledgecity:allowedRegions",
      "knowledgecity:primary",
      "knowledgecity:userStore.kind",
      "knowledgecity:userStore.engine",
      "knowledgecity:userStore.replicaRegions",
      "knowledgecity:userStore.secondaryCidrs",
      "knowledgecity:domain", // was dns.domain
      "knowledgecity:dns.hostedZoneId",
      "knowledgecity:dns.regionLabel",
      "knowledgecity:dns.geolocation.countries",
      "knowledgecity:dns.geolocation.default",
      "knowledgecity:homeRegion.geolocation",
      "knowledgecity:network.cidr",
      "knowledgecity:network.azCount",
      "knowledgecity:network.availabilityZones",
      "knowledgecity:network.interfaceEndpoints",
      "knowledgecity:network.flowLogRetentionDays",
      "knowledgecity:logRetentionDays",
      "knowledgecity:tags",
      "knowledgecity:analytics.enabled",
      "knowledgecity:analytics.kubernetesVersion",
      "knowledgecity:analytics.publicAccessCidrs",
      "knowledgecity:analytics.adminRoleArns",
      "knowledgecity:analytics.deployFrom",
      "knowledgecity:analytics.deployRoleArn",
      "knowledgecity:analytics.previewRoleArn",
      "knowledgecity:analytics.systemNodes",
      "knowledgecity:analytics.nodePools.<clickhouse|batch|general>",
      "knowledgecity:analytics.clickhouse",
      "knowledgecity:analytics.api",
      "knowledgecity:analytics.ingest",
      "knowledgecity:analytics.lake",
      "knowledgecity:accountSetup.configRecorder",
      "knowledgecity:accountSetup.backupRegionSettings",
      "knowledgecity:accountSetup.serviceLinkedRoles",
      // One row each now, where the hand-written table grouped them.
      "knowledgecity:monolith",
      "knowledgecity:globalEdge",
      "knowledgecity:video",
      "knowledgecity:microservices",
      "knowledgecity:observability",
      "knowledgecity:compliance",
    ];
    expect([...byKey.keys()]).toEqual(expect.arrayContaining(handWritten));
    expect(byKey.get("knowledgecity:network.cidr")).toEqual({
      key: "knowledgecity:network.cidr",
      type: "private IPv4 CIDR /16-/19",
      default: "required",
      setIn: "stack file",
      meaning: "the VPC; a network address (no host bits); stacks must not overlap",
    });
    expect(byKey.get("knowledgecity:network.azCount")?.default).toBe("`3`");
    expect(byKey.get("knowledgecity:analytics.kubernetesVersion")?.type).toBe("`1.35` | `1.36`");
  });

  it("says where each key is set: once in Pulumi.yaml, or per stack", () => {
    expect(byKey.get("knowledgecity:domain")).toMatchObject({
      default: "`knowledgecity.com`",
      setIn: "Pulumi.yaml, for every stack",
    });
    for (const key of [
      "pulumi:disable-default-providers",
      "knowledgecity:identityProvider",
      "knowledgecity:homeRegion.hostnames",
      "knowledgecity:homeRegion.geolocation",
    ]) {
      expect(byKey.get(key)?.setIn, key).toBe("Pulumi.yaml, for every stack");
    }
    expect(byKey.get("knowledgecity:primary")?.setIn).toBe("stack file; default in Pulumi.yaml");
    expect(byKey.get("aws:region")?.setIn).toBe("stack file");
    expect(byKey.get("knowledgecity:dns.regionLabel")?.setIn).toBe("stack file");
  });

  it("is a markdown table with one row per key and every pipe in a cell escaped", () => {
    const lines = configTableReadmeBlock(project).split("\n");
    expect(lines[0]).toMatch(/^\| key +\| type +\| default +\| set in +\| meaning +\|$/);
    expect(lines[1]).toMatch(/^\| -+ \| -+ \| -+ \| -+ \| -+ \|$/);
    expect(lines).toHaveLength(rows.length + 2);
    for (const line of lines) {
      // Six separators: five cells.
      expect(line.replace(/\\\|/g, "").split("|"), line).toHaveLength(7);
      expect(line.length).toBe(lines[0]?.length);
    }
    expect(lines).toContainEqual(
      expect.stringContaining(
        "| `knowledgecity:analytics.nodePools.<clickhouse\\|batch\\|general>` |",
      ),
    );
  });
});
