/**
 * The AWS Config API as the audit uses it: the latest recorded item of a resource, the pages of an
 * advanced query (this region's, or an aggregator's), and PutEvaluations in batches. A failed
 * call is rethrown as a `ConfigServiceError` naming the call, with the SDK's error as its cause.
 * IAM: config:GetResourceConfigHistory, config:SelectResourceConfig or (with the aggregator)
 * config:SelectAggregateResourceConfig, and config:PutEvaluations.
 */
import {
  GetResourceConfigHistoryCommand,
  PutEvaluationsCommand,
  SelectAggregateResourceConfigCommand,
  SelectResourceConfigCommand,
  paginateSelectAggregateResourceConfig,
  paginateSelectResourceConfig,
  type ConfigServiceClient,
  type ConfigurationItem as HistoryItem,
  type Evaluation,
  type ResourceType,
  type SelectAggregateResourceConfigCommandInput,
  type SelectResourceConfigCommandInput,
} from "@aws-sdk/client-config-service";
import { parseTags } from "./configuration-item";
import type { ComplianceType, ConfigurationItem } from "./core";
import {
  ConfigServiceError,
  ConfigurationItemNotFoundError,
  FailedEvaluationsError,
  InvalidEventError,
  quote,
} from "./errors";
import { parseConfigurationText } from "./events";
import { isRegionCode } from "./parameters";

/** PutEvaluations accepts at most this many evaluations per call. */
export const MAX_EVALUATIONS_PER_CALL = 100;

/**
 * Results per page of an advanced query, the most SelectResourceConfig returns
 * (https://docs.aws.amazon.com/config/latest/APIReference/API_SelectResourceConfig.html).
 */
export const QUERY_PAGE_SIZE = 100;

/** The result token AWS Config sends when a rule is invoked in test mode. */
export const TEST_MODE_RESULT_TOKEN = "TESTMODE";

/** A verdict with the time AWS Config orders it by. */
export interface TimedEvaluation {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly complianceType: ComplianceType;
  readonly annotation: string;
  readonly awsRegion: string;
  readonly orderingTimestamp: Date;
}

/** The AWS Config calls of the audit, over one client. */
export class ConfigService {
  /** @param client the Config client; its region is the function's (Lambda's) */
  constructor(private readonly client: ConfigServiceClient) {}

  /** The function's region (the Config client's), checked. */
  async region(): Promise<string> {
    const region = await call("Resolving the function's region", () => this.client.config.region());
    if (!isRegionCode(region)) {
      throw new ConfigServiceError(
        `The Config client's region = ${quote(region)}: expected an AWS region code such as me-south-1`,
      );
    }
    return region;
  }

  /**
   * The full configuration item behind an oversized notification, from the configuration
   * history.
   */
  async latestItem(
    resourceType: string,
    resourceId: string,
  ): Promise<{ item: ConfigurationItem; capturedAt: Date | undefined }> {
    const resource = `${resourceType} ${resourceId}`;
    const response = await call(`GetResourceConfigHistory for ${resource}`, () =>
      this.client.send(
        new GetResourceConfigHistoryCommand({
          // The service accepts any resource type string; the SDK's union lags behind new types.
          resourceType: resourceType as ResourceType,
          resourceId,
          limit: 1,
        }),
      ),
    );
    const latest: HistoryItem | undefined = response.configurationItems?.[0];
    if (latest === undefined) {
      throw new ConfigurationItemNotFoundError(
        `GetResourceConfigHistory returned no configuration item for ${resource}; expected the item of the oversized change notification`,
      );
    }
    return {
      item: {
        resourceType: latest.resourceType ?? resourceType,
        resourceId: latest.resourceId ?? resourceId,
        awsRegion: requireField(latest.awsRegion, "awsRegion", resource),
        configurationItemStatus: requireField(
          latest.configurationItemStatus,
          "configurationItemStatus",
          resource,
        ),
        tags: parseTags(latest.tags, resource),
        configuration: parseConfigurationText(latest.configuration, resource),
      },
      capturedAt: latest.configurationItemCaptureTime,
    };
  }

  /** The result rows of an advanced query over this region, page by page. */
  selectResources(expression: string): AsyncGenerator<string[]> {
    return pages(
      (page) => `SelectResourceConfig (page ${page})`,
      paginateSelectResourceConfig(
        {
          client: this.client,
          // One input per page, so that each request keeps the token it was sent with.
          withCommand: (command) =>
            new SelectResourceConfigCommand({
              ...(command.input as SelectResourceConfigCommandInput),
            }),
        },
        { Expression: expression, Limit: QUERY_PAGE_SIZE },
      ),
    );
  }

  /** The result rows of an advanced query over an aggregator's view, page by page. */
  selectAggregateResources(aggregatorName: string, expression: string): AsyncGenerator<string[]> {
    return pages(
      (page) => `SelectAggregateResourceConfig on ${aggregatorName} (page ${page})`,
      paginateSelectAggregateResourceConfig(
        {
          client: this.client,
          withCommand: (command) =>
            new SelectAggregateResourceConfigCommand({
              ...(command.input as SelectAggregateResourceConfigCommandInput),
            }),
        },
        {
          ConfigurationAggregatorName: aggregatorName,
          Expression: expression,
          Limit: QUERY_PAGE_SIZE,
        },
      ),
    );
  }

  /**
   * Writes the evaluations in batches of `MAX_EVALUATIONS_PER_CALL`; fails with
   * `FailedEvaluationsError` if AWS Config did not take every one of them. Returns the number
   * of calls made.
   */
  async putEvaluations(
    evaluations: readonly TimedEvaluation[],
    resultToken: string,
  ): Promise<number> {
    const rejected: Evaluation[] = [];
    let calls = 0;
    for (let start = 0; start < evaluations.length; start += MAX_EVALUATIONS_PER_CALL) {
      const batch = evaluations.slice(start, start + MAX_EVALUATIONS_PER_CALL);
      calls += 1;
      const response = await call(`PutEvaluations (batch ${calls})`, () =>
        this.client.send(
          new PutEvaluationsCommand({
            Evaluations: batch.map(toEvaluation),
            ResultToken: resultToken,
            ...(resultToken === TEST_MODE_RESULT_TOKEN ? { TestMode: true } : {}),
          }),
        ),
      );
      rejected.push(...(response.FailedEvaluations ?? []));
    }
    if (rejected.length > 0) {
      throw new FailedEvaluationsError(
        rejected.map((evaluation) => ({
          resourceType: evaluation.ComplianceResourceType ?? "unknown type",
          resourceId: evaluation.ComplianceResourceId ?? "unknown id",
          complianceType: evaluation.ComplianceType ?? "unknown compliance",
        })),
        evaluations.length,
      );
    }
    return calls;
  }
}

/** The `Results` of each page a paginator fetches; a failed page is named by `what(page)`. */
async function* pages(
  what: (page: number) => string,
  paginator: AsyncIterable<{ readonly Results?: string[] }>,
): AsyncGenerator<string[]> {
  const iterator = paginator[Symbol.asyncIterator]();
  for (let page = 1; ; page += 1) {
    const next = await call(what(page), () => iterator.next());
    if (next.done === true) {
      return;
    }
    yield next.value.Results ?? [];
  }
}

function toEvaluation(evaluation: TimedEvaluation): Evaluation {
  return {
    ComplianceResourceType: evaluation.resourceType,
    ComplianceResourceId: evaluation.resourceId,
    ComplianceType: evaluation.complianceType,
    Annotation: evaluation.annotation,
    OrderingTimestamp: evaluation.orderingTimestamp,
  };
}

function requireField(value: string | undefined, name: string, resource: string): string {
  if (value === undefined || value === "") {
    throw new InvalidEventError(
      `GetResourceConfigHistory item for ${resource} has no ${name}; expected a complete configuration item`,
    );
  }
  return value;
}

/** Runs an AWS Config call; a failure is rethrown named, with the SDK's error as its cause. */
async function call<T>(what: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new ConfigServiceError(`${what} failed: ${detail}`, { cause: error });
  }
}
