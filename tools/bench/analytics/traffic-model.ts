/**
 * The synthetic video traffic the analytics bench generates, as distributions: courses and their
 * videos, viewer countries and their edges, renditions, request kinds, statuses and cache outcomes,
 * and the seeded random source. Both generators (the log lines in `log-lines.ts`, the rows in SQL
 * in `synthetic-rows.ts`) draw from these, so the two kinds of traffic look alike.
 */

/** An hour, in milliseconds. */
export const HOUR_MS = 3_600_000;
/** A day, in milliseconds. */
export const DAY_MS = 24 * HOUR_MS;
/** Days the synthetic rows span. */
export const SPAN_DAYS = 30;
/** Share of malformed lines in the generated traffic. */
export const MALFORMED_SHARE = 0.001;

/** Twenty subjects at ten levels: 200 course ids in the upload API's format. */
export const COURSES: readonly string[] = [
  "finance",
  "accounting",
  "leadership",
  "excel",
  "sales",
  "marketing",
  "negotiation",
  "project-management",
  "cyber-security",
  "python",
  "data-analysis",
  "customer-service",
  "hr-compliance",
  "time-management",
  "public-speaking",
  "business-writing",
  "arabic-business",
  "english-business",
  "supply-chain",
  "workplace-safety",
].flatMap((subject) => Array.from({ length: 10 }, (_, level) => `${subject}-${100 + level * 10}`));

/** Thirty viewer countries, busiest first, each served by two edge locations. */
export const COUNTRY_EDGES: readonly (readonly [string, string, string])[] = [
  ["SA", "JED50-C1", "RUH52-P1"],
  ["AE", "DXB52-P1", "FJR50-C1"],
  ["EG", "CAI50-C1", "CAI51-P2"],
  ["KW", "KWI50-C1", "KWI51-P1"],
  ["QA", "DOH50-C1", "DOH51-P1"],
  ["US", "IAD89-C2", "JFK51-C1"],
  ["BH", "BAH53-C1", "BAH54-P1"],
  ["OM", "MCT50-C1", "MCT51-P1"],
  ["JO", "AMM50-C1", "AMM51-P1"],
  ["GB", "LHR61-P1", "MAN51-C1"],
  ["IN", "BOM52-C1", "DEL54-C3"],
  ["PK", "KHI50-C1", "LHE50-C1"],
  ["DE", "FRA56-C1", "MUC50-P1"],
  ["FR", "CDG52-C2", "MRS52-P1"],
  ["CA", "YTO50-C1", "YUL62-C1"],
  ["TR", "IST50-C1", "IST51-P1"],
  ["MA", "CMN50-C1", "RAK50-C1"],
  ["NG", "LOS50-C1", "LOS51-P1"],
  ["KE", "NBO50-C1", "NBO51-P1"],
  ["ZA", "JNB50-C1", "CPT50-C1"],
  ["ID", "CGK50-C1", "CGK51-P1"],
  ["MY", "KUL50-C1", "KUL51-P1"],
  ["PH", "MNL50-C1", "MNL51-P1"],
  ["AU", "SYD62-P2", "MEL50-C2"],
  ["NL", "AMS54-C1", "AMS58-P2"],
  ["ES", "MAD56-C1", "BCN50-C1"],
  ["IT", "MXP64-C1", "FCO50-C1"],
  ["BR", "GRU3-C1", "GIG51-C1"],
  ["SG", "SIN2-C1", "SIN52-C2"],
  ["LB", "BEY50-C1", "BEY51-P1"],
];
/** The viewer countries, busiest first. */
export const COUNTRIES = COUNTRY_EDGES.map(([country]) => country);
/** The edge locations, two per country in `COUNTRIES` order. */
export const EDGES = COUNTRY_EDGES.flatMap(([, first, second]) => [first, second]);

/** The five video renditions with their bitrates (kbit/s) and shares of video segments. */
export const VIDEO_RENDITIONS: readonly {
  readonly name: string;
  readonly kbps: number;
  readonly upTo: number;
}[] = [
  { name: "1080p_6000k", kbps: 6000, upTo: 0.25 },
  { name: "720p_3000k", kbps: 3000, upTo: 0.65 },
  { name: "540p_2000k", kbps: 2000, upTo: 0.85 },
  { name: "360p_1000k", kbps: 1000, upTo: 0.95 },
  { name: "240p_500k", kbps: 500, upTo: 1 },
];
/** The one audio rendition. */
export const AUDIO_RENDITION = "audio_96k";
/** Requests of one viewing session. */
export const SESSION_REQUESTS = 256;
/** Requests of a session between rendition switches. */
export const ABR_STEP_REQUESTS = 64;
/** Seconds of media per segment. */
export const SEGMENT_SECONDS = 4;

/**
 * Cumulative shares of request kinds: master playlists up to `MASTER_UP_TO`, variant playlists up
 * to `VARIANT_UP_TO`, video segments up to `VIDEO_UP_TO`, audio segments the rest.
 */
export const MASTER_UP_TO = 0.03;
/** See `MASTER_UP_TO`. */
export const VARIANT_UP_TO = 0.1;
/** See `MASTER_UP_TO`. */
export const VIDEO_UP_TO = 0.85;

/** Cumulative shares of statuses: 0.5 % aborted (000), 1 % 5xx, a few 4xx, 206 and 304. */
export const STATUS_SHARES: readonly {
  readonly upTo: number;
  readonly statuses: readonly string[];
}[] = [
  { upTo: 0.005, statuses: ["000"] },
  { upTo: 0.015, statuses: ["500", "502", "503", "504"] },
  { upTo: 0.018, statuses: ["404"] },
  { upTo: 0.02, statuses: ["403"] },
  { upTo: 0.07, statuses: ["206"] },
  { upTo: 0.08, statuses: ["304"] },
  { upTo: 1, statuses: ["200"] },
];
/** Cumulative shares of cache outcomes among answered requests: hits up to `HIT_UP_TO`. */
export const HIT_UP_TO = 0.85;
/** Refresh hits up to this share; misses the rest. */
export const REFRESH_HIT_UP_TO = 0.88;

/** A seeded generator of floats in [0, 1) (mulberry32): the same traffic on every run. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The value of `values` at the uniform draw `u` in [0, 1). */
export function pick<T>(values: readonly T[], u: number): T {
  const value = values[Math.min(values.length - 1, Math.floor(u * values.length))];
  if (value === undefined) throw new RangeError("pick from an empty list");
  return value;
}

/** Milliseconds as CloudFront writes seconds: three decimals. */
export function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** A version-4 UUID from the seeded generator `next`. */
export function uuid(next: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** Eight videos per course, fixed for all runs. */
export const VIDEOS: ReadonlyMap<string, readonly string[]> = (() => {
  const next = random(7);
  return new Map(COURSES.map((course) => [course, Array.from({ length: 8 }, () => uuid(next))]));
})();
