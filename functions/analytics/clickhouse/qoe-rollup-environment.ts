/**
 * The QoE rollup job's own variables (beside the connection's, `readEnvironment`), validated at
 * start: a malformed one stops the job with one line naming it.
 */
import { QOE_ROLLUP_BOUNDS, QOE_ROLLUP_DEFAULTS } from "../../../contracts/clickhouse-users";

/** The job's settings. */
export interface QoeRollupEnvironment {
  /** `ROLLUP_GRACE_MINUTES`. @default QOE_ROLLUP_DEFAULTS.graceMinutes (5) */
  readonly graceMinutes: number;
  /** `ROLLUP_LOOKBACK_HOURS`. @default QOE_ROLLUP_DEFAULTS.lookbackHours (48) */
  readonly lookbackHours: number;
}

function whole(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  bounds: { readonly min: number; readonly max: number },
): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = /^[0-9]{1,6}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= bounds.min && value <= bounds.max)) {
    throw new Error(
      `${name}: expected a whole number from ${bounds.min} to ${bounds.max}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** The job's settings from `env`, or an error naming the first bad variable. */
export function readQoeRollupEnvironment(env: NodeJS.ProcessEnv): QoeRollupEnvironment {
  return {
    graceMinutes: whole(
      env,
      "ROLLUP_GRACE_MINUTES",
      QOE_ROLLUP_DEFAULTS.graceMinutes,
      QOE_ROLLUP_BOUNDS.graceMinutes,
    ),
    lookbackHours: whole(
      env,
      "ROLLUP_LOOKBACK_HOURS",
      QOE_ROLLUP_DEFAULTS.lookbackHours,
      QOE_ROLLUP_BOUNDS.lookbackHours,
    ),
  };
}
