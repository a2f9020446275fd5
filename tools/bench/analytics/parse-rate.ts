/** Parse rates of real-time log lines, single thread, for the analytics bench. */
import { performance } from "node:perf_hooks";
import { parseLogLine, parseRecordData } from "../../../functions/analytics/rtlog-ingest/parse";
import { median } from "../median";
import type { ParseFigures } from "./figures";
import { logLines } from "./log-lines";
import { HOUR_MS } from "./traffic-model";

/** Parse rates over `count` lines: one warm-up pass, then the median of `runs` passes. */
export function measureParse(count: number, runs: number): ParseFigures {
  const lines = logLines(count, { seed: 11, startMs: Date.now() - HOUR_MS, spanMs: HOUR_MS });
  const data = lines.map((line) => Buffer.from(line, "utf8").toString("base64"));
  const pass = (parse: (input: string) => { kind: string }, inputs: readonly string[]) => {
    const start = performance.now();
    let malformed = 0;
    for (const input of inputs) {
      if (parse(input).kind !== "row") malformed += 1;
    }
    return { ms: performance.now() - start, malformed };
  };
  const rate = (parse: (input: string) => { kind: string }, inputs: readonly string[]) => {
    pass(parse, inputs);
    return count / (median(Array.from({ length: runs }, () => pass(parse, inputs).ms)) / 1000);
  };
  return {
    lines: count,
    malformed: pass(parseRecordData, data).malformed,
    averageLineBytes: lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0) / count,
    runs,
    recordDataPerSecond: rate(parseRecordData, data),
    logLinePerSecond: rate(parseLogLine, lines),
  };
}
