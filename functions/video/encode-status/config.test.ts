import { describe, expect, it } from "vitest";
import { thrown } from "../../shared/test-support";
import { loadConfiguration } from "./config";
import { ConfigurationError } from "./errors";
import { TOPIC_ARN } from "./test-support";

describe("loadConfiguration", () => {
  it("reads the table and the topic", () => {
    expect(loadConfiguration({ CATALOG_TABLE: " video-catalog ", TOPIC_ARN })).toEqual({
      catalogTable: "video-catalog",
      topicArn: TOPIC_ARN,
    });
  });

  it("lists every problem", () => {
    const error = thrown(() => loadConfiguration({ CATALOG_TABLE: "  ", TOPIC_ARN: "my-topic" }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      "invalid configuration: CATALOG_TABLE is required; TOPIC_ARN must be an SNS topic ARN",
    );
  });
});
