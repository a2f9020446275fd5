/** The analytics figures held to their goals (`GOALS`): one verdict per measured figure. */
import { GOALS, type AnalyticsFigures, type GoalVerdict } from "./figures";

function atMost(goal: string, value: number, target: number): GoalVerdict {
  return { goal, value, target, comparison: "<=", met: value <= target };
}

function atLeast(goal: string, value: number, target: number): GoalVerdict {
  return { goal, value, target, comparison: ">=", met: value >= target };
}

/**
 * Every goal the figures can be held to, in the order they are printed: parse rates, the ingest
 * ratio (when `clickhouse-client` ran), per data set, range and query the rollup time, equal counts
 * and the percentile error, then the API at `GOALS.apiConnections` connections. A figure that was
 * not measured (a skipped comparison, a connection count not run) gives no verdict.
 */
export function evaluateGoals(figures: AnalyticsFigures): GoalVerdict[] {
  const verdicts: GoalVerdict[] = [
    atLeast(
      "parse.recordDataPerSecond",
      figures.parse.recordDataPerSecond,
      GOALS.minRecordDataPerSecond,
    ),
    atLeast("parse.logLinePerSecond", figures.parse.logLinePerSecond, GOALS.minLogLinePerSecond),
  ];
  if (figures.ingest.overClient !== null) {
    verdicts.push(
      atLeast("ingest.overClient", figures.ingest.overClient, GOALS.minIngestOverClient),
    );
  }
  for (const dataSet of figures.qoe.dataSets) {
    for (const query of dataSet.queries) {
      const id = `qoe.${dataSet.rows}.${query.rangeDays}d.${query.query}`;
      verdicts.push(
        atMost(`${id}.rollupMs`, query.rollupMs, query.goalMs),
        {
          goal: `${id}.countsEqual`,
          value: query.countsEqual ? 1 : 0,
          target: 1,
          comparison: "==",
          met: query.countsEqual,
        },
        atMost(`${id}.maxPercentileError`, query.maxPercentileError, GOALS.maxPercentileError),
      );
    }
  }
  const level = figures.api.levels.find((each) => each.connections === GOALS.apiConnections);
  if (level !== undefined) {
    const id = `api.${level.connections}.`;
    verdicts.push(
      atLeast(`${id}requestsPerSecond`, level.requestsPerSecond, GOALS.minApiRequestsPerSecond),
      atMost(`${id}p99Ms`, level.p99Ms, GOALS.maxApiP99Ms),
      atMost(`${id}errors`, level.errors, 0),
    );
  }
  return verdicts;
}
