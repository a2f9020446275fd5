import { countryHomeRegions } from "../contracts/home-region";
import { monolithProblems } from "../components/app/settings";
import { analyticsProblems } from "../components/analytics/settings";
import { dnsProblems } from "../components/edge/settings";
import {
  ipv4CidrProblem,
  ISO_COUNTRY_CODES,
  type SettingsIssue,
} from "../components/shared/settings";
import { networkProblems } from "../components/network/settings";
import { overlaps, parseCidr } from "../components/network/cidr";
import { complianceProblems } from "../components/security/settings";
import { microservicesProblems } from "../components/services/settings";
import { videoProblems } from "../components/video/settings";
import type { StackConfig } from "./config";
import { jurisdictionProblems } from "./jurisdictions";

/**
 * Every problem between settings of one stack, in the order a stack file reads: the rules across
 * domains (residency and regions, DNS that other domains need, the primary and the global edge,
 * Aurora secondaries' CIDRs, home regions, zones of the stack's region) and, at their place, each
 * domain's own rules (`components/<domain>/settings.ts`) under the domain's key.
 */
export function stackProblems(config: StackConfig): SettingsIssue[] {
  const issues: SettingsIssue[] = [];
  const add = (issue: SettingsIssue) => issues.push(issue);
  const within = (key: string, problems: readonly SettingsIssue[]) => {
    for (const problem of problems) {
      issues.push({ ...problem, path: [key, ...problem.path] });
    }
  };
  // Residency is the jurisdiction's, not the stack file's: its regions bound the stack's
  // (stacks/jurisdictions.ts). A jurisdiction that is no country is reported on its own.
  if (ISO_COUNTRY_CODES.has(config.jurisdiction)) {
    for (const problem of jurisdictionProblems(config)) {
      add({ ...problem, path: [...problem.path] });
    }
  }
  issues.push(...regionProblems(config));
  if (config.userStore.kind === "aurora") {
    issues.push(...secondaryCidrProblems(config.userStore, config));
    // The directory records each account's shard: without it nobody knows where an account is.
    if (config.userStore.shards.length > 1 && config.homeRegion === undefined) {
      add({
        path: ["userStore", "shards"],
        input: config.userStore.shards,
        message:
          "more than one shard needs homeRegion (the home-region directory records each account's shard); set homeRegion or keep one shard",
      });
    }
  }
  within("monolith", monolithProblems(config.monolith));
  issues.push(...dnsDependencyProblems(config));
  const services = config.microservices;
  if (services.enabled && !config.analytics.enabled) {
    add({
      path: ["microservices", "enabled"],
      input: true,
      message:
        "the services run on the analytics cluster; enable analytics or disable microservices",
    });
  }
  // The JWT settings are the stack's identityProvider (set once in Pulumi.yaml): name that key.
  for (const problem of microservicesProblems(services)) {
    const [head, ...rest] = problem.path;
    issues.push({
      ...problem,
      path: head === "jwt" ? ["identityProvider", ...rest] : ["microservices", ...problem.path],
    });
  }
  within("analytics", analyticsProblems(config.analytics));
  within("video", videoProblems(config.video));
  const homeRegions = config.homeRegion?.hostnames;
  if (homeRegions !== undefined && homeRegions[config.region] === undefined) {
    add({
      path: ["homeRegion", "hostnames"],
      input: homeRegions,
      message: `expected an entry for the stack's own region ${config.region}`,
    });
  }
  issues.push(...homeRegionGeolocationProblems(config));
  within("compliance", complianceProblems(config.compliance));
  within("dns", dnsProblems(config.dns));
  within("network", networkProblems(config.network));
  (config.network.availabilityZones ?? []).forEach((zone, index) => {
    if (!zone.startsWith(config.region)) {
      add({
        path: ["network", "availabilityZones", index],
        input: zone,
        message: `expected a zone of ${config.region}`,
      });
    }
  });
  return issues;
}

/** The stack's own region and its replicas' against allowedRegions. */
function regionProblems(config: StackConfig): SettingsIssue[] {
  const issues: SettingsIssue[] = [];
  const allowed = new Set(config.allowedRegions);
  // An empty allowedRegions is reported on its own; checking regions against it is noise.
  if (allowed.size > 0 && !allowed.has(config.region)) {
    issues.push({
      path: ["region"],
      input: config.region,
      message: `the stack's own region must be one of allowedRegions (${config.allowedRegions.join(", ")})`,
    });
  }
  config.userStore.replicaRegions.forEach((replica, index) => {
    if (allowed.size > 0 && !allowed.has(replica)) {
      issues.push({
        path: ["userStore", "replicaRegions", index],
        input: replica,
        message: `a replica of user data must stay in allowedRegions (${config.allowedRegions.join(", ")})`,
      });
    } else if (replica === config.region) {
      issues.push({
        path: ["userStore", "replicaRegions", index],
        input: replica,
        message: "a replica region must differ from the stack's own region",
      });
    }
  });
  return issues;
}

/**
 * What needs DNS or the primary stack: the global edge (primary only, with DNS), the monolith's
 * certificate without DNS, and the video CDN and analytics endpoints, which need DNS.
 */
function dnsDependencyProblems(config: StackConfig): SettingsIssue[] {
  const issues: SettingsIssue[] = [];
  if (config.globalEdge.enabled === true && !config.primary) {
    issues.push({
      path: ["globalEdge", "enabled"],
      input: true,
      message:
        "only the primary stack hosts the global edge (a CloudFront hostname belongs to one distribution)",
    });
  }
  if (!config.dns.enabled && config.monolith.certificateArn === undefined) {
    issues.push({
      path: ["monolith", "certificateArn"],
      input: undefined,
      message:
        "required when dns.enabled is false: the API's certificate cannot be validated without DNS",
    });
  }
  if (!config.dns.enabled && (config.globalEdge.enabled ?? config.primary)) {
    issues.push({
      path: ["dns", "enabled"],
      input: false,
      message:
        "the global edge needs DNS for its certificate and records; enable DNS or disable globalEdge",
    });
  }
  if (config.video.enabled && !config.dns.enabled) {
    issues.push({
      path: ["video", "enabled"],
      input: true,
      message:
        "the video CDN needs DNS for its hostname and certificate; enable DNS or disable video",
    });
  }
  if (config.analytics.enabled && !config.dns.enabled) {
    issues.push({
      path: ["analytics", "enabled"],
      input: true,
      message:
        "the analytics endpoints need DNS for their hostnames and certificates; enable DNS or disable analytics",
    });
  }
  return issues;
}

/**
 * What is wrong with the VPC CIDRs of an Aurora store's secondary regions: a replica region
 * without one, one for a region that is not a replica, or one overlapping the stack's VPC or
 * another secondary's (Aurora replicates over AWS's network, not the VPCs, but the platform's
 * VPCs must stay routable to each other, as between stacks).
 */
function secondaryCidrProblems(
  store: {
    readonly replicaRegions: readonly string[];
    readonly secondaryCidrs: Record<string, string>;
  },
  stack: {
    readonly region: string;
    readonly allowedRegions: readonly string[];
    readonly network: { readonly cidr: string };
  },
): SettingsIssue[] {
  const problems: SettingsIssue[] = [];
  const cidrs = store.secondaryCidrs;
  const stackCidr = stack.network.cidr;
  // A replica region refused on its own (outside allowedRegions, or the stack's) needs no CIDR.
  const missing = store.replicaRegions.filter(
    (region) =>
      cidrs[region] === undefined &&
      region !== stack.region &&
      (stack.allowedRegions.length === 0 || stack.allowedRegions.includes(region)),
  );
  if (missing.length > 0) {
    problems.push({
      path: ["userStore", "secondaryCidrs"],
      input: cidrs,
      message: `expected an entry for ${missing.join(", ")} (replicaRegions): the CIDR of this stack's isolated VPC for the Aurora secondary there, a private range from /16 to /19 that overlaps no other VPC of the platform`,
    });
  }
  const placed: { region: string; cidr: string }[] = [{ region: "network.cidr", cidr: stackCidr }];
  for (const [region, cidr] of Object.entries(cidrs)) {
    if (!store.replicaRegions.includes(region)) {
      problems.push({
        path: ["userStore", "secondaryCidrs", region],
        input: cidr,
        message: `${region} is not one of userStore.replicaRegions (${store.replicaRegions.join(", ") || "none"}); remove the entry or add the region`,
      });
      continue;
    }
    if (ipv4CidrProblem(cidr, 16, 19) !== undefined) {
      continue; // reported by the schema
    }
    const clash = placed.find(
      (other) =>
        ipv4CidrProblem(other.cidr, 16, 19) === undefined &&
        overlaps(parseCidr(cidr), parseCidr(other.cidr)),
    );
    if (clash !== undefined) {
      problems.push({
        path: ["userStore", "secondaryCidrs", region],
        input: cidr,
        message: `overlaps ${clash.region === "network.cidr" ? "network.cidr" : `secondaryCidrs.${clash.region}`} (${clash.cidr}); every VPC of the platform needs its own range`,
      });
    }
    placed.push({ region, cidr });
  }
  return problems;
}

/**
 * Where the home-region map's geolocation disagrees with itself or with the stack: the regions it
 * names against `homeRegion.hostnames`, a country two regions list, not exactly one default
 * (contracts/home-region.ts), and the stack's own entry against its `dns.geolocation`, so the
 * countries a stack routes to itself are the ones whose sign-ups it keeps.
 */
function homeRegionGeolocationProblems(
  config: Pick<StackConfig, "region" | "dns" | "homeRegion">,
): SettingsIssue[] {
  if (config.homeRegion === undefined) {
    return [];
  }
  const { hostnames, geolocation } = config.homeRegion;
  const path = ["homeRegion", "geolocation"];
  if (geolocation === undefined) {
    return [
      {
        path,
        input: undefined,
        message:
          "expected every home region's dns.geolocation (the same map in every stack file): it decides where each country's sign-ups are kept",
      },
    ];
  }
  const named = Object.keys(geolocation).sort();
  const expected = Object.keys(hostnames).sort();
  const issues: SettingsIssue[] = [];
  if (named.join() !== expected.join()) {
    issues.push({
      path,
      input: geolocation,
      message: `expected one entry per home region of homeRegion.hostnames (${expected.join(", ")})`,
    });
  }
  const map = countryHomeRegions(geolocation);
  if ("problems" in map) {
    issues.push({ path, input: geolocation, message: map.problems.join("; ") });
  }
  // Own keys only: a region named like an Object.prototype member ("toString") finds nothing.
  const own = Object.hasOwn(geolocation, config.region) ? geolocation[config.region] : undefined;
  const routed = config.dns.geolocation;
  const same = (a: readonly string[], b: readonly string[]) =>
    [...a].sort().join() === [...b].sort().join();
  // A country that is no ISO code is reported on its own, once.
  const known = routed.countries.every((country) => ISO_COUNTRY_CODES.has(country));
  if (
    own !== undefined &&
    known &&
    (!same(own.countries, routed.countries) || own.default !== routed.default)
  ) {
    issues.push({
      path: [...path, config.region],
      input: own,
      message: `expected the stack's own dns.geolocation (${JSON.stringify(routed)}): the countries routed here are the ones whose sign-ups are kept here`,
    });
  }
  return issues;
}
