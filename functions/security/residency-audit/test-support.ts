/**
 * Test support (not bundled: no handler imports it): the AWS Config client stubbed, PutEvaluations
 * accepting everything by default, the console captured, and readers of what the handler sent and
 * logged.
 */
import {
  ConfigServiceClient,
  PutEvaluationsCommand,
  type PutEvaluationsCommandInput,
} from "@aws-sdk/client-config-service";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, vi, type MockInstance } from "vitest";

/** The stubbed client and what the handler did with it. */
export interface ConfigHarness {
  readonly configMock: AwsClientStub<ConfigServiceClient>;
  /** The `console.error` spy of the current test. */
  readonly errorSpy: () => MockInstance<typeof console.error>;
  /** The input of every PutEvaluations call. */
  readonly putInputs: () => PutEvaluationsCommandInput[];
  /** The lines logged on stdout, parsed. */
  readonly loggedLines: () => Record<string, unknown>[];
  /** Every AWS call the handler made, by command name. */
  readonly callNames: () => string[];
}

/**
 * Stubs the Config client for the tests of one file (hooks registered on the caller's suite) and
 * sets `AWS_REGION`, as the Lambda runtime does: the periodic query is scoped to it.
 */
export function useConfigHarness(region: string): ConfigHarness {
  const configMock = mockClient(ConfigServiceClient);
  let logSpy: MockInstance<typeof console.log> | undefined;
  let errorSpy: MockInstance<typeof console.error> | undefined;

  beforeAll(() => {
    vi.stubEnv("AWS_REGION", region);
  });

  afterAll(() => {
    vi.unstubAllEnvs();
  });

  beforeEach(() => {
    configMock.reset();
    configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    logSpy = log;
    errorSpy = error;
    return () => {
      log.mockRestore();
      error.mockRestore();
    };
  });

  const started = <T>(spy: T | undefined): T => {
    if (spy === undefined) throw new Error("the harness's spies exist inside a test only");
    return spy;
  };

  return {
    configMock,
    errorSpy: () => started(errorSpy),
    putInputs: () =>
      configMock.commandCalls(PutEvaluationsCommand).map((call) => call.args[0].input),
    loggedLines: () =>
      started(logSpy).mock.calls.map(
        (args) => JSON.parse(String(args[0])) as Record<string, unknown>,
      ),
    callNames: () =>
      configMock
        .calls()
        .map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name),
  };
}
