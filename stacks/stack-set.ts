/**
 * Rules that no single stack file can check: they hold between the stack files of the project.
 * The offline plan reads every `Pulumi.<stack>.yaml` and runs them before it plans anything
 * (tools/plan/cli.ts), so a stack set that breaks them never plans, whichever stacks were asked for.
 *
 * - exactly one primary stack (it hosts the global edge: one SPA distribution, one global WAF);
 * - exactly one geolocation default record (Route 53 takes one `*` record per name);
 * - no country routed to two stacks (one geolocation record per country and name);
 * - no two stacks' VPC CIDRs overlapping (they are peered or reach each other through VPN and DNS);
 * - the home-region map naming exactly the stacks' regions.
 *
 * What every stack shares (the domain, the home-region map, the identity provider, disabling
 * default providers) is set once in Pulumi.yaml, and a stack file that sets it again is refused
 * when it is read (./project-config), so no rule compares copies between files.
 */
import { basename } from "node:path";
import { overlaps, parseCidr } from "../components/network/cidr";
import { listStacks, readStackFile } from "./stack-files";
import { ConfigError } from "./config-errors";
import {
  decodeConfigValue,
  parseStackConfig,
  SECRET_CONFIG_KEYS,
  type StackConfig,
} from "./config";

/** One stack file and its validated config. */
export interface StackFileConfig {
  /** The file's name, `Pulumi.<stack>.yaml`, as messages name it. */
  readonly file: string;
  readonly stack: string;
  readonly config: StackConfig;
}

/** The problems of a stack set, one line each, naming the files and the keys. */
export function crossStackProblems(stacks: readonly StackFileConfig[]): string[] {
  const files = (list: readonly StackFileConfig[]): string => list.map((s) => s.file).join(", ");
  const problems: string[] = [];

  const primaries = stacks.filter((s) => s.config.primary);
  if (primaries.length !== 1) {
    problems.push(
      primaries.length === 0
        ? `knowledgecity:primary: no stack file sets true; exactly one stack hosts the global edge (stack files: ${files(stacks)})`
        : `knowledgecity:primary: ${files(primaries)} all set true; exactly one stack hosts the global edge`,
    );
  }

  const defaults = stacks.filter((s) => s.config.dns.geolocation.default);
  if (defaults.length !== 1) {
    problems.push(
      defaults.length === 0
        ? `knowledgecity:dns.geolocation.default: no stack file sets true; exactly one stack takes the viewers of unlisted countries (stack files: ${files(stacks)})`
        : `knowledgecity:dns.geolocation.default: ${files(defaults)} all set true; Route 53 takes one default record per name`,
    );
  }

  const routed = new Map<string, StackFileConfig[]>();
  for (const stack of stacks) {
    for (const country of new Set(stack.config.dns.geolocation.countries)) {
      routed.set(country, [...(routed.get(country) ?? []), stack]);
    }
  }
  for (const [country, owners] of routed) {
    if (owners.length > 1) {
      problems.push(
        `knowledgecity:dns.geolocation.countries: ${country} is routed by ${files(owners)}; a country goes to one stack`,
      );
    }
  }

  // Every VPC of a stack: its own, and an Aurora secondary's in each secondary region.
  const vpcs = (stack: (typeof stacks)[number]) => [
    { key: "knowledgecity:network.cidr", cidr: stack.config.network.cidr },
    ...Object.entries(
      stack.config.userStore.kind === "aurora" ? stack.config.userStore.secondaryCidrs : {},
    ).map(([region, cidr]) => ({
      key: `knowledgecity:userStore.secondaryCidrs.${region}`,
      cidr,
    })),
  ];
  stacks.forEach((a, index) => {
    for (const b of stacks.slice(index + 1)) {
      for (const vpcA of vpcs(a)) {
        for (const vpcB of vpcs(b)) {
          if (overlaps(parseCidr(vpcA.cidr), parseCidr(vpcB.cidr))) {
            const key = vpcA.key === vpcB.key ? vpcA.key : `${vpcA.key}, ${vpcB.key}`;
            problems.push(
              `${key}: ${a.file} ${vpcA.cidr} overlaps ${b.file} ${vpcB.cidr}; every stack's VPC needs its own range`,
            );
          }
        }
      }
    }
  });

  problems.push(...homeRegionMapProblems(stacks));
  return problems;
}

/** The home-region map (one, from Pulumi.yaml) names exactly the stacks' regions. */
function homeRegionMapProblems(stacks: readonly StackFileConfig[]): string[] {
  const first = stacks[0];
  if (first === undefined) {
    return [];
  }
  const mapped = Object.keys(first.config.homeRegion?.hostnames ?? {}).sort();
  const regions = [...new Set(stacks.map((s) => s.config.region))].sort();
  const unmapped = regions.filter((region) => !mapped.includes(region));
  const orphans = mapped.filter((region) => !regions.includes(region));
  return [
    ...unmapped.map(
      (region) =>
        `knowledgecity:homeRegion.hostnames: no entry for ${region}, the region of ${stacks
          .filter((s) => s.config.region === region)
          .map((s) => s.file)
          .join(", ")}; every stack's region is a home region`,
    ),
    ...orphans.map(
      (region) =>
        `knowledgecity:homeRegion.hostnames: ${region} has no stack file (stack regions: ${regions.join(", ")}); a home region is a stack's region`,
    ),
  ];
}

/**
 * A value encrypted in a stack file (`secure:`) whose key the program reads as plain config: it
 * would reach the parsed config, and from there state and outputs, in clear text.
 */
export function plainSecretProblems(file: string, secretKeys: readonly string[]): string[] {
  return secretKeys
    .filter((key) => !SECRET_CONFIG_KEYS.includes(key))
    .map(
      (key) =>
        `${file}: ${key} is encrypted (secure:), but the program reads it as plain config and would keep it in clear text; secret keys: ${SECRET_CONFIG_KEYS.join(", ") || "none"} (SECRET_CONFIG_KEYS in stacks/config.ts, read with readSecretConfig)`,
    );
}

/** What checking the stack files of a project found. */
export interface StackSetCheck {
  /** Each stack file whose config is invalid: its own problems (`ConfigError`), by stack. */
  readonly invalid: readonly { readonly stack: string; readonly message: string }[];
  /** The cross-stack problems, when every file is valid (else they would be noise). */
  readonly problems: readonly string[];
}

/** Reads every stack file under `root` and checks the set. */
export function checkStackSet(root?: string): StackSetCheck {
  const parsed: StackFileConfig[] = [];
  const invalid: { stack: string; message: string }[] = [];
  for (const stack of listStacks(root)) {
    let file;
    try {
      file = readStackFile(stack, root);
    } catch (error) {
      // A stack file that breaks a rule of project-level config: its lines, as the CLI says them.
      invalid.push({ stack, message: (error as Error).message });
      continue;
    }
    const secrets = plainSecretProblems(basename(file.path), file.secretKeys);
    if (secrets.length > 0) {
      invalid.push({ stack, message: secrets.join("\n") });
      continue;
    }
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(file.config)) {
      raw[key] = decodeConfigValue(value);
    }
    try {
      parsed.push({ file: basename(file.path), stack, config: parseStackConfig(stack, raw) });
    } catch (error) {
      if (!(error instanceof ConfigError)) {
        throw error;
      }
      invalid.push({ stack, message: error.message });
    }
  }
  return { invalid, problems: invalid.length > 0 ? [] : crossStackProblems(parsed) };
}
