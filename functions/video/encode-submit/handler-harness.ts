/**
 * The harness of the handler tests: the AWS clients mocked, the handler loaded afresh as a cold
 * start would, fakes of MediaConvert, S3 and the ledger, and readers of what was sent. Importing it
 * registers the hooks that reset the mocks and capture the logs around every test. Tests only.
 */
import { createHash } from "node:crypto";
import {
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type GetItemCommandInput,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  CreateJobCommand,
  MediaConvertClient,
  ProbeCommand,
  type CreateJobCommandInput,
} from "@aws-sdk/client-mediaconvert";
import { HeadObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, vi } from "vitest";
import {
  ETAG,
  RAW_BUCKET,
  SOURCE_KEY,
  SOURCE_SIZE,
  VERSION_ID,
  probeResponse,
  type ProbeFixture,
} from "./fixtures/events";
import { HANDLER_ENV, captureLogs, setHandlerEnvironment } from "./test-support";

export const s3 = mockClient(S3Client);
export const mediaConvert = mockClient(MediaConvertClient);
export const sqs = mockClient(SQSClient);
export const ddb = mockClient(DynamoDBClient);

export type Handler = (typeof import("./handler"))["handler"];

export let restoreEnvironment: () => void = () => undefined;
export let logs: ReturnType<typeof captureLogs>;

/** Loads the handler module afresh under `env`, as a cold start would. */
export async function loadHandler(
  env: Readonly<Record<string, string>> = HANDLER_ENV,
): Promise<Handler> {
  restoreEnvironment = setHandlerEnvironment(env);
  vi.resetModules();
  return (await import("./handler")).handler;
}

export const CONTEXT = { awsRequestId: "5e8f7b8a-2c1d-4e3f-9a0b-1c2d3e4f5a6b" };
export const TOKEN = createHash("sha256")
  .update(`${RAW_BUCKET}\u0000${SOURCE_KEY}\u0000${VERSION_ID}`)
  .digest("hex");

/** MediaConvert: a job per client request token, the same job for a repeated token. */
export function acceptJobs(): void {
  const jobs = new Map<string, string>();
  mediaConvert.on(CreateJobCommand).callsFake((input: CreateJobCommandInput) => {
    const token = input.ClientRequestToken ?? "";
    const id = jobs.get(token) ?? `1740820468000-${String(jobs.size + 1).padStart(6, "0")}`;
    jobs.set(token, id);
    return { Job: { Id: id, Role: input.Role, Settings: input.Settings } };
  });
}

/**
 * DynamoDB: no submission recorded yet, and every ledger write succeeds. What the ledger's
 * condition does with redeliveries and concurrent deliveries is tested on DynamoDB Local
 * (ledger.dynamodb.test.ts); here the calls and their faults are.
 */
export function emptyLedger(): void {
  ddb.on(GetItemCommand).resolves({});
  ddb.on(UpdateItemCommand).resolves({});
}

export const getItemInputs = (): GetItemCommandInput[] =>
  ddb.commandCalls(GetItemCommand).map((call) => call.args[0].input);

export const updateItemInputs = (): UpdateItemCommandInput[] =>
  ddb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input);

/** S3: the source exists, as uploaded. */
export function storeSource(
  key = SOURCE_KEY,
  overrides: { ContentType?: string; ContentLength?: number } = {},
): void {
  s3.on(HeadObjectCommand, { Bucket: RAW_BUCKET, Key: key }).resolves({
    ContentType: "video/mp4",
    ContentLength: SOURCE_SIZE,
    VersionId: VERSION_ID,
    ETag: `"${ETAG}"`,
    ...overrides,
  });
}

export function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status, requestId: "R3Q1D" },
    message: `${name} (simulated)`,
  });
}

export const createJobInputs = (): CreateJobCommandInput[] =>
  mediaConvert.commandCalls(CreateJobCommand).map((call) => call.args[0].input);

/** MediaConvert Probe: the source as `fixture` describes it. */
export function probeSource(fixture: ProbeFixture): void {
  mediaConvert.on(ProbeCommand).resolves(probeResponse(fixture));
}

export const probeInputs = () =>
  mediaConvert.commandCalls(ProbeCommand).map((call) => call.args[0].input);

/** Width and height of each rendition of the streaming group, in order. */
export const renditionSizes = (input: CreateJobCommandInput | undefined): [number?, number?][] =>
  (input?.Settings?.OutputGroups?.[0]?.Outputs ?? []).flatMap((output) =>
    output.VideoDescription === undefined
      ? []
      : [[output.VideoDescription.Width, output.VideoDescription.Height] as [number?, number?]],
  );

export const deadLetters = () =>
  sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);

/** A DLQ message body, parsed. */
export const letterOf = (input: { MessageBody?: string | undefined } | undefined): unknown =>
  JSON.parse(input?.MessageBody ?? "null");

export const recordLines = (): Record<string, unknown>[] =>
  logs.lines().filter((line) => line.event === "encode_submit.record");

beforeEach(() => {
  s3.reset();
  mediaConvert.reset();
  sqs.reset();
  ddb.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: "dlq-message-1" });
  acceptJobs();
  // Uploads are 1080p unless a test says otherwise: the default ladder, unchanged.
  probeSource({ format: "mp4", video: { width: 1920, height: 1080 } });
  emptyLedger();
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
  vi.useRealTimers();
  restoreEnvironment();
});
