/**
 * Test support (not bundled: no handler imports it). Realistic MediaConvert job state change
 * events, a fake catalog table that evaluates the update and condition expressions the catalog
 * sends (so ordering rules are tested against a table, not against a copy of themselves), and
 * environment and log helpers.
 */
import {
  ConditionalCheckFailedException,
  UpdateItemCommand,
  DynamoDBClient,
  type AttributeValue,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import type { AwsClientStub } from "aws-sdk-client-mock";
import { DETAIL_TYPE, EVENT_SOURCE, type MediaConvertJobStateChange } from "./core";
import { DynamoDbSubmissionLedger } from "../encode-submit/aws";
import { clientRequestToken } from "../encode-submit/core";
import { setEnvironment } from "../shared/test-support";
export { captureLogs } from "../shared/test-support";

export const CATALOG_TABLE = "video-catalog";
export const TOPIC_ARN = "arn:aws:sns:me-south-1:111122223333:video-encode-status";
/** The handler's environment. */
export const HANDLER_ENV = { CATALOG_TABLE, TOPIC_ARN };

export const ACCOUNT = "111122223333";
export const REGION = "me-south-1";
export const COURSE_ID = "intro-to-finance";
export const VIDEO_ID = "0b6f3c1e-8f5d-4c1a-9f7e-2d4b6a8c0e12";
export const SOURCE_KEY = `uploads/${COURSE_ID}/${VIDEO_ID}/source.mp4`;
export const SOURCE_VERSION = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY";
/** The job the tests follow; where submissions are recorded, the video's current (last) one. */
export const JOB_ID = "1735689600123-k3x9qe";
export const QUEUE_ARN = `arn:aws:mediaconvert:${REGION}:${ACCOUNT}:queues/Default`;
export const OUTPUT_BUCKET = "kc-media-output-me-south-1";
export const OUTPUT_PREFIX = `courses/${COURSE_ID}/${VIDEO_ID}`;
export const HLS_KEY = `${OUTPUT_PREFIX}/cmaf/index.m3u8`;
export const DASH_KEY = `${OUTPUT_PREFIX}/cmaf/index.mpd`;
export const THUMBNAILS_PREFIX = `${OUTPUT_PREFIX}/thumbnails/`;

/** A job of the same video submitted before `JOB_ID` (an earlier upload of the source). */
export const EARLIER_JOB_ID = "1735689000456-a7c2wd";
/** The source version `EARLIER_JOB_ID` encodes. */
export const EARLIER_SOURCE_VERSION = "Vb2uZ1pQ.mX8rT0aLkq3HcD9sEw7nYf4J";
/** The raw bucket the sources come from (part of the submission token). */
export const RAW_BUCKET = "kc-media-raw-me-south-1";

/** What the pipeline puts in `userMetadata`. */
export const PIPELINE_METADATA = {
  courseId: COURSE_ID,
  videoId: VIDEO_ID,
  sourceKey: SOURCE_KEY,
  sourceVersion: SOURCE_VERSION,
};

/** 2025-01-01T00:00:00.000Z plus `seconds`, in epoch milliseconds. */
export const at = (seconds: number): number => Date.UTC(2025, 0, 1) + seconds * 1000;

/** A job state change event around `detail`, as EventBridge delivers it. */
export function jobEvent(
  detail: Record<string, unknown>,
  envelope: Record<string, unknown> = {},
): MediaConvertJobStateChange {
  const timestamp = typeof detail.timestamp === "number" ? detail.timestamp : at(0);
  const jobId = typeof detail.jobId === "string" ? detail.jobId : JOB_ID;
  return {
    version: "0",
    id: `7f3c2a10-0000-4000-8000-${String(timestamp).padStart(12, "0").slice(-12)}`,
    "detail-type": DETAIL_TYPE,
    source: EVENT_SOURCE,
    account: ACCOUNT,
    time: new Date(timestamp).toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: REGION,
    resources: [`arn:aws:mediaconvert:${REGION}:${ACCOUNT}:jobs/${jobId}`],
    detail,
    ...envelope,
  } as unknown as MediaConvertJobStateChange;
}

/** The fields every status carries. */
export function baseDetail(status: string, timestamp: number): Record<string, unknown> {
  return {
    timestamp,
    accountId: ACCOUNT,
    queue: QUEUE_ARN,
    jobId: JOB_ID,
    status,
    userMetadata: { ...PIPELINE_METADATA },
  };
}

/** PROGRESSING: the job left its queue. */
export const progressingDetail = (timestamp: number): Record<string, unknown> =>
  baseDetail("PROGRESSING", timestamp);

/** STATUS_UPDATE with job and phase progress. */
export function statusUpdateDetail(timestamp: number, percent: number): Record<string, unknown> {
  return {
    ...baseDetail("STATUS_UPDATE", timestamp),
    framesDecoded: 10_412,
    jobProgress: {
      phaseProgress: {
        PROBING: { status: "COMPLETE", percentComplete: 100 },
        TRANSCODING: { status: "PROGRESSING", percentComplete: percent },
        UPLOADING: { status: "PENDING", percentComplete: 0 },
      },
      jobPercentComplete: percent,
      currentPhase: "TRANSCODING",
      retryCount: 0,
    },
  };
}

/**
 * COMPLETE for the pipeline's job: a CMAF group (both manifests in `playlistFilePaths`, no
 * `outputFilePaths`), and a frame-capture file group for the thumbnails.
 */
export function completeDetail(timestamp: number): Record<string, unknown> {
  return {
    ...baseDetail("COMPLETE", timestamp),
    paddingInserted: 0,
    blackVideoDetected: 0,
    warnings: [{ code: 230005, count: 1 }],
    outputGroupDetails: [
      {
        outputDetails: [
          {
            durationInMs: 1_834_400,
            videoDetails: { widthInPx: 1920, heightInPx: 1080, averageBitrate: 2_350_000 },
          },
          {
            durationInMs: 1_834_400,
            videoDetails: { widthInPx: 1280, heightInPx: 720, averageBitrate: 1_210_000 },
          },
          {
            durationInMs: 1_834_400,
            videoDetails: { widthInPx: 640, heightInPx: 360, averageBitrate: 412_000 },
          },
          { durationInMs: 1_834_443 },
        ],
        type: "CMAF_GROUP",
        playlistFilePaths: [
          `s3://${OUTPUT_BUCKET}/${DASH_KEY}`,
          `s3://${OUTPUT_BUCKET}/${HLS_KEY}`,
        ],
      },
      {
        outputDetails: [
          {
            outputFilePaths: [`s3://${OUTPUT_BUCKET}/${THUMBNAILS_PREFIX}thumb.0000183.jpg`],
            durationInMs: 1_834_400,
            videoDetails: { widthInPx: 640, heightInPx: 360 },
          },
        ],
        type: "FILE_GROUP",
      },
    ],
  };
}

/** ERROR with MediaConvert's code and message. */
export function errorDetail(
  timestamp: number,
  message = "Demuxer: [ReadPacketData File read failed - end of file hit at length [1048576].]",
): Record<string, unknown> {
  return { ...baseDetail("ERROR", timestamp), errorCode: 1030, errorMessage: message };
}

/** CANCELED. */
export const canceledDetail = (timestamp: number): Record<string, unknown> =>
  baseDetail("CANCELED", timestamp);

/**
 * Records that `jobId` was submitted for `sourceVersion` of the video, as encode-submit does after
 * CreateJob: through its own ledger class, on the same catalog item (so the attribute names the
 * catalog's condition reads are the ones encode-submit writes).
 */
export async function recordSubmission(
  jobId: string,
  sourceVersion: string,
  submittedAt: number,
): Promise<void> {
  const ledger = new DynamoDbSubmissionLedger(new DynamoDBClient({}), CATALOG_TABLE);
  const outcome = await ledger.record({
    videoId: VIDEO_ID,
    token: clientRequestToken(RAW_BUCKET, SOURCE_KEY, sourceVersion),
    jobId,
    submittedAt: new Date(submittedAt).toISOString(),
  });
  if (outcome !== "recorded") throw new Error(`expected the submission of ${jobId} recorded`);
}

/** `detail` as job `jobId` of `sourceVersion` sends it. */
export function ofJob(
  jobId: string,
  sourceVersion: string,
  detail: Record<string, unknown>,
): Record<string, unknown> {
  return { ...detail, jobId, userMetadata: { ...PIPELINE_METADATA, sourceVersion } };
}

// ---------------------------------------------------------------------------------------------
// A fake catalog table
// ---------------------------------------------------------------------------------------------

type Item = Record<string, AttributeValue>;

type Operand = { readonly name: string } | { readonly value: string };

type Condition =
  | { readonly op: "and" | "or"; readonly left: Condition; readonly right: Condition }
  | { readonly op: "not"; readonly inner: Condition }
  | { readonly op: "exists" | "not_exists"; readonly name: string }
  | {
      readonly op: "compare";
      readonly comparator: string;
      readonly left: Operand;
      readonly right: Operand;
    }
  | { readonly op: "in"; readonly left: Operand; readonly options: readonly Operand[] };

/** Words of the expression grammar, never attribute names. */
const KEYWORDS = new Set(["AND", "OR", "NOT", "IN", "attribute_exists", "attribute_not_exists"]);

const TOKEN = /\s*(#\w+|:\w+|[A-Za-z_]\w*|<=|>=|<>|[()=<>,])/y;

function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    if (expression.slice(TOKEN.lastIndex).trim() === "") break;
    const match = TOKEN.exec(expression);
    const token = match?.[1];
    if (token === undefined) {
      throw new Error(`fake table: cannot read "${expression.slice(TOKEN.lastIndex)}"`);
    }
    tokens.push(token);
  }
  return tokens;
}

/** A recursive-descent parser for the subset of condition expressions the catalog writes. */
function parseCondition(expression: string): Condition {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = (): string | undefined => tokens[position];
  const next = (): string => {
    const token = tokens[position];
    if (token === undefined) throw new Error("fake table: condition ends early");
    position += 1;
    return token;
  };
  const expect = (token: string): void => {
    const actual = next();
    if (actual !== token) throw new Error(`fake table: expected ${token}, got ${actual}`);
  };
  const operand = (): Operand => {
    const token = next();
    if (token.startsWith(":")) return { value: token };
    // `#name` placeholders, or attribute names written as they are (the submission ledger's).
    if (token.startsWith("#") || !KEYWORDS.has(token)) return { name: token };
    throw new Error(`fake table: unexpected ${token}`);
  };
  const primary = (): Condition => {
    const token = peek();
    if (token === "(") {
      next();
      const inner = or();
      expect(")");
      return inner;
    }
    if (token === "attribute_exists" || token === "attribute_not_exists") {
      next();
      expect("(");
      const name = next();
      expect(")");
      return { op: token === "attribute_exists" ? "exists" : "not_exists", name };
    }
    const left = operand();
    if (peek() === "IN") {
      next();
      expect("(");
      const options = [operand()];
      while (peek() === ",") {
        next();
        options.push(operand());
      }
      expect(")");
      return { op: "in", left, options };
    }
    const comparator = next();
    if (!["=", "<>", "<", "<=", ">", ">="].includes(comparator)) {
      throw new Error(`fake table: unexpected ${comparator}`);
    }
    return { op: "compare", comparator, left, right: operand() };
  };
  const not = (): Condition => {
    if (peek() === "NOT") {
      next();
      return { op: "not", inner: not() };
    }
    return primary();
  };
  const and = (): Condition => {
    let left = not();
    while (peek() === "AND") {
      next();
      left = { op: "and", left, right: not() };
    }
    return left;
  };
  const or = (): Condition => {
    let left = and();
    while (peek() === "OR") {
      next();
      left = { op: "or", left, right: and() };
    }
    return left;
  };
  const condition = or();
  if (position !== tokens.length) {
    throw new Error(`fake table: unexpected ${String(peek())}`);
  }
  return condition;
}

function compare(comparator: string, left?: AttributeValue, right?: AttributeValue): boolean {
  if (left === undefined || right === undefined) return false;
  let order: number;
  if (left.S !== undefined && right.S !== undefined) {
    order = left.S < right.S ? -1 : left.S > right.S ? 1 : 0;
  } else if (left.N !== undefined && right.N !== undefined) {
    order = Math.sign(Number(left.N) - Number(right.N));
  } else {
    return comparator === "<>";
  }
  switch (comparator) {
    case "=":
      return order === 0;
    case "<>":
      return order !== 0;
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    default:
      return order >= 0;
  }
}

/** A DynamoDB table keyed by `videoId` that serves `UpdateItem`, wired into a client stub. */
export class FakeCatalogTable {
  readonly items = new Map<string, Item>();

  constructor(stub: AwsClientStub<DynamoDBClient>) {
    stub.on(UpdateItemCommand).callsFake((input: UpdateItemCommandInput) => this.update(input));
  }

  update(input: UpdateItemCommandInput): Record<string, never> {
    if (input.TableName !== CATALOG_TABLE)
      throw new Error(`fake table: no table ${input.TableName}`);
    const key = input.Key?.videoId?.S;
    if (key === undefined || Object.keys(input.Key ?? {}).length !== 1) {
      throw new Error("fake table: the key must be videoId (S) only");
    }
    const names = input.ExpressionAttributeNames ?? {};
    const values = input.ExpressionAttributeValues ?? {};
    const used = new Set([
      ...tokenize(input.UpdateExpression ?? ""),
      ...tokenize(input.ConditionExpression ?? ""),
    ]);
    for (const token of [...Object.keys(names), ...Object.keys(values)]) {
      if (!used.has(token)) throw new Error(`fake table: ${token} is defined but unused`);
    }
    const nameOf = (token: string): string => {
      if (!token.startsWith("#")) return token;
      const name = names[token];
      if (name === undefined) throw new Error(`fake table: unknown name ${token}`);
      return name;
    };
    const valueOf = (token: string): AttributeValue => {
      const value = values[token];
      if (value === undefined) throw new Error(`fake table: unknown value ${token}`);
      return value;
    };
    const current = this.items.get(key);
    const item: Item = { ...(current ?? { videoId: { S: key } }) };
    const resolve = (operand: Operand): AttributeValue | undefined =>
      "name" in operand ? item[nameOf(operand.name)] : valueOf(operand.value);
    const holds = (condition: Condition): boolean => {
      switch (condition.op) {
        case "and":
          return holds(condition.left) && holds(condition.right);
        case "or":
          return holds(condition.left) || holds(condition.right);
        case "not":
          return !holds(condition.inner);
        case "exists":
          return item[nameOf(condition.name)] !== undefined;
        case "not_exists":
          return item[nameOf(condition.name)] === undefined;
        case "compare":
          return compare(condition.comparator, resolve(condition.left), resolve(condition.right));
        case "in":
          return condition.options.some((option) =>
            compare("=", resolve(condition.left), resolve(option)),
          );
      }
    };
    if (
      input.ConditionExpression !== undefined &&
      !holds(parseCondition(input.ConditionExpression))
    ) {
      throw new ConditionalCheckFailedException({
        message: "The conditional request failed",
        $metadata: { httpStatusCode: 400 },
        ...(input.ReturnValuesOnConditionCheckFailure === "ALL_OLD" && current !== undefined
          ? { Item: current }
          : {}),
      });
    }
    const match = /^SET (.+?)(?: REMOVE (.+))?$/.exec(input.UpdateExpression ?? "");
    if (match?.[1] === undefined) throw new Error("fake table: expected SET ... [REMOVE ...]");
    for (const assignment of match[1].split(", ")) {
      const [name, value] = assignment.split(" = ");
      if (name === undefined || value === undefined) throw new Error(`fake table: ${assignment}`);
      if (nameOf(name) === "videoId") throw new Error("fake table: cannot update the key");
      item[nameOf(name)] = valueOf(value);
    }
    for (const name of match[2]?.split(", ") ?? []) {
      Reflect.deleteProperty(item, nameOf(name));
    }
    this.items.set(key, item);
    return {};
  }

  /** The item of `videoId` with plain values (strings for S, numbers for N). */
  plain(videoId: string): Record<string, string | number> | undefined {
    const item = this.items.get(videoId);
    if (item === undefined) return undefined;
    return Object.fromEntries(
      Object.entries(item).map(([name, value]) => [
        name,
        value.N !== undefined ? Number(value.N) : (value.S ?? "?"),
      ]),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Environment and logs
// ---------------------------------------------------------------------------------------------

const HANDLER_VARIABLES = ["CATALOG_TABLE", "TOPIC_ARN"] as const;

/** Sets exactly the given handler variables (the others are removed); returns the restorer. */
export function setHandlerEnvironment(
  values: Partial<Record<(typeof HANDLER_VARIABLES)[number], string>>,
): () => void {
  return setEnvironment(HANDLER_VARIABLES, values);
}
