/**
 * The arguments of `Monolith` resolved: its defaults applied in one place and every impossible value
 * reported at once, kept apart from the component so the rules can be tested on their own.
 */
import { DEFAULT_LOG_RETENTION_DAYS, type LogRetentionDays } from "../shared/logs";
import { largeBodyPathPrefixProblems } from "../security/waf-rules";
import type { MonolithArgs } from "./monolith";
import { MONOLITH_DEFAULTS } from "./settings";

/** Where the monolith's API takes request bodies over 8 KB. */
export const DEFAULT_LARGE_BODY_PATH_PREFIXES: readonly string[] = ["/api/"];

/** The tunable arguments of a `Monolith`, every default applied. */
export interface ResolvedMonolithArgs {
  /** See the `MonolithArgs` field of the same name for each. */
  readonly instanceType: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  readonly cpuTargetPercent: number;
  readonly memoryTargetPercent: number;
  readonly healthCheckPath: string;
  readonly rateLimitPerFiveMinutes: number;
  readonly largeBodyPathPrefixes: readonly string[];
  readonly logRetentionDays: LogRetentionDays;
}

/** The settings `args` asks for, with the documented default for each one it leaves out. */
export function resolveMonolithArgs(args: MonolithArgs): ResolvedMonolithArgs {
  const defaults = MONOLITH_DEFAULTS;
  const minSize = args.minSize ?? defaults.minSize;
  return {
    instanceType: args.instanceType ?? defaults.instanceType,
    minSize,
    maxSize: args.maxSize ?? defaults.maxSize,
    desiredCapacity: args.desiredCapacity ?? minSize,
    cpuTargetPercent: args.cpuTargetPercent ?? defaults.cpuTargetPercent,
    memoryTargetPercent: args.memoryTargetPercent ?? defaults.memoryTargetPercent,
    healthCheckPath: args.healthCheckPath ?? defaults.healthCheckPath,
    rateLimitPerFiveMinutes: args.rateLimitPerFiveMinutes ?? defaults.rateLimitPerFiveMinutes,
    largeBodyPathPrefixes: args.largeBodyPathPrefixes ?? DEFAULT_LARGE_BODY_PATH_PREFIXES,
    logRetentionDays: args.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
  };
}

/**
 * Every impossible value in `settings` (and the hostnames), each with what would be right;
 * empty when all are fine.
 */
export function monolithArgsProblems(
  settings: ResolvedMonolithArgs,
  hostnames: readonly string[],
): string[] {
  const { minSize, maxSize, desiredCapacity } = settings;
  return [
    minSize > maxSize ? `minSize ${minSize} is larger than maxSize ${maxSize}` : undefined,
    desiredCapacity < minSize || desiredCapacity > maxSize
      ? `desiredCapacity ${desiredCapacity} is outside minSize..maxSize (${minSize}..${maxSize})`
      : undefined,
    hostnames.length === 0 ? "at least one hostname is needed" : undefined,
    ...largeBodyPathPrefixProblems(settings.largeBodyPathPrefixes),
  ].filter((problem): problem is string => problem !== undefined);
}
