/** Parse rates of real-time log lines, single thread, for the analytics bench. */
import { performance } from "node:perf_hooks";
import { parseLogLine, parseRecordData } from "../../../functions/analytics/rtlog-ingest/parse";
import { median } from "../median";
import type { ParseFigures } from "./figures";
import { logLines } from "./log-lines";
import { HOUR_MS } from "./traffic-model";

/** Parse rates over `count` lines: one warm-up pass, then the median of `runs` passes. */
export function measureParse(count: number, runs: number): ParseFigures {
  const generated = logLines(count, { seed: 11, startMs: Date.now() - HOUR_MS, spanMs: HOUR_MS });
  const data = generated.map((line) => Buffer.from(line, "utf8").toString("base64"));
  // `parseLogLine` is timed on the lines as the ingest hands them to it: decoded from the record
  // data, so each is one flat string. The generated lines are joined pieces (V8 keeps such a
  // string as a tree until it is read), which every read of a character pays for and no line
  // from Kinesis ever is.
  const lines = data.map((text) => Buffer.from(text, "base64").toString("utf8"));
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
