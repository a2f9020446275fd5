/**
 * The platform's data flows, declared once: the places data passes through (a component of the
 * stack, or a part of one found by its child names) and the hops between them. The architecture
 * diagram draws them; `flows.test.ts` checks that every hop between two places is a real
 * dependency between their resources in each stack's plan, so the declaration cannot drift from
 * the program.
 */

/** A child of a component, found by its name (`<parent name>-<role>`) and its class. */
export interface PartStep {
  /** The child's name without its parent's name: `raw` for `kc-video-raw` under `kc-video`. */
  readonly role: string;
  /** The last segment of its type: `SecureBucket`, `NodeFunction`, `Stream`. */
  readonly class: string;
}

/** A place data passes through: an actor outside AWS, or a component of the stack or a part of it. */
export type Place =
  | { readonly kind: "actor"; readonly label: string }
  | {
      readonly kind: "component";
      readonly label: string;
      /** The class of a stack component (a child of `RegionalPlatform`). */
      readonly component: string;
      /** The path from that component down to the part, one child per step; empty for all of it. */
      readonly part: readonly PartStep[];
    };

/** One step of a flow: data moves from one place to the next. */
export interface Hop {
  readonly from: PlaceKey;
  readonly to: PlaceKey;
  /** What moves, in a few words (the edge's label). */
  readonly label: string;
}

/** A named data flow. */
export interface DataFlow {
  readonly name: string;
  readonly hops: readonly Hop[];
}

const actor = (label: string): Place => ({ kind: "actor", label });
const component = (name: string, label: string = name): Place => ({
  kind: "component",
  label,
  component: name,
  part: [],
});
const part = (name: string, label: string, ...path: readonly [string, string][]): Place => ({
  kind: "component",
  label,
  component: name,
  part: path.map(([role, cls]) => ({ role, class: cls })),
});

/** Every place, by key (the key is part of the node's id in the diagram). */
export const PLACES = {
  browser: actor("Browser"),
  player: actor("Video player"),
  analyst: actor("Analytics dashboard"),
  spa: component("GlobalEdge", "GlobalEdge: SPA on CloudFront"),
  dns: component("GeoDns", "GeoDns: geolocation DNS"),
  monolith: component("Monolith", "Monolith: PHP on EC2"),
  "user-store": component("UserDataStore"),
  tokenization: component("Tokenization"),
  "home-region": component("HomeRegion", "HomeRegion: directory lookup"),
  "upload-url": part("VideoPipeline", "upload URL", ["upload-url", "NodeFunction"]),
  uploads: part("VideoPipeline", "uploads bucket", ["raw", "SecureBucket"]),
  encode: part("VideoPipeline", "encode (MediaConvert)", ["encode-submit", "NodeFunction"]),
  renditions: part("VideoPipeline", "renditions bucket", ["processed", "SecureBucket"]),
  "video-cdn": part("VideoPipeline", "video CDN", ["cdn", "VideoDelivery"]),
  "playback-auth": part("VideoPipeline", "playback auth", ["playback-auth", "NodeFunction"]),
  "playback-logs": part(
    "VideoPipeline",
    "real-time log stream",
    ["cdn", "VideoDelivery"],
    ["playback-logs", "Stream"],
  ),
  ingest: part("AnalyticsCluster", "log ingest", ["rtlog", "RtlogIngest"]),
  clickhouse: part("AnalyticsCluster", "ClickHouse", ["clickhouse", "ClickHouse"]),
  "analytics-api": part("AnalyticsCluster", "analytics API", ["api", "AnalyticsApi"]),
} as const satisfies Readonly<Record<string, Place>>;

/** The key of a place. */
export type PlaceKey = keyof typeof PLACES;

/** The data flows, each from where data enters to where it is used. */
export const DATA_FLOWS: readonly DataFlow[] = [
  {
    name: "upload to playback",
    hops: [
      { from: "browser", to: "monolith", label: "asks to upload" },
      { from: "monolith", to: "upload-url", label: "invokes" },
      { from: "upload-url", to: "uploads", label: "presigns a PUT" },
      { from: "browser", to: "uploads", label: "uploads the video" },
      { from: "uploads", to: "encode", label: "S3 event" },
      { from: "encode", to: "renditions", label: "HLS renditions" },
      { from: "renditions", to: "video-cdn", label: "origin" },
      { from: "monolith", to: "playback-auth", label: "signs cookies" },
      { from: "video-cdn", to: "player", label: "signed playback" },
    ],
  },
  {
    name: "log line to dashboard",
    hops: [
      { from: "video-cdn", to: "playback-logs", label: "real-time logs" },
      { from: "playback-logs", to: "ingest", label: "Kinesis batches" },
      { from: "ingest", to: "clickhouse", label: "inserts" },
      { from: "clickhouse", to: "analytics-api", label: "queries" },
      { from: "analytics-api", to: "analyst", label: "QoE figures" },
    ],
  },
  {
    name: "request to user store",
    hops: [
      { from: "browser", to: "spa", label: "loads the SPA" },
      { from: "browser", to: "dns", label: "API requests" },
      { from: "dns", to: "monolith", label: "home region's ALB" },
      { from: "monolith", to: "home-region", label: "home region of a sign-in" },
      { from: "monolith", to: "tokenization", label: "PII to tokens" },
      { from: "tokenization", to: "user-store", label: "token vault" },
      { from: "monolith", to: "user-store", label: "accounts, progress" },
    ],
  },
];

/**
 * Components that many others use without being on any flow (keys, the VPC, alarms and
 * dashboards). The diagram lists them in one node, each with how many components it is linked
 * with, instead of drawing an edge to each; `flows.test.ts` checks each is linked with five or more.
 */
export const SHARED_COMPONENTS: readonly string[] = ["DataKeys", "Network", "Observability"];
