import * as random from "@pulumi/random";
import { describe, expect, it } from "vitest";
import { DataKeys } from "../../components/security/data-keys";
import { HomeRegion } from "../../components/data/home-region";
import { UserDataStore } from "../../components/data/user-data-store";
import { VideoPipeline } from "../../components/video/video-pipeline";
import {
  list,
  record,
  Recorded,
  runComponent,
  TEST_CONTEXT,
  type RecordedResource,
} from "../../tools/plan/engine";
import {
  HOME_REGION_SCHEMA,
  PII_VAULT_SCHEMA,
  VIDEO_CATALOG_SCHEMA,
  type TableSchema,
} from "./tables";

// The DynamoDB tests create their tables from these schemas: they must be the tables the program
// deploys, or a condition that works on the test table could fail on the real one.

/** A recorded input as text (a non-string shows as JSON, so it never equals a key name). */
const text = (value: unknown): string =>
  typeof value === "string" ? value : JSON.stringify(value);

/** A deployed table's keys and stream, in the shape of `TableSchema`. */
function schemaOf(table: RecordedResource | undefined): TableSchema & { types: string[] } {
  const inputs = table?.inputs ?? {};
  const keyNames = [inputs.hashKey, inputs.rangeKey].filter((name) => name !== undefined);
  const attributes = list(inputs.attributes).map(record);
  return {
    hashKey: text(inputs.hashKey),
    ...(inputs.rangeKey === undefined ? {} : { rangeKey: text(inputs.rangeKey) }),
    ...(inputs.streamEnabled === true
      ? { stream: inputs.streamViewType as "NEW_AND_OLD_IMAGES" }
      : {}),
    types: keyNames.map((name) =>
      text(attributes.find((attribute) => attribute.name === name)?.type),
    ),
  };
}

/** The schema as the tests create it: every key a string. */
const created = (schema: TableSchema) => ({
  ...schema,
  types: schema.rangeKey === undefined ? ["S"] : ["S", "S"],
});

describe("the DynamoDB tests' tables", () => {
  it("key the video catalog as VideoPipeline deploys it", async () => {
    const recorded = Recorded.of(
      await runComponent((provider, providerFor) => {
        const keys = new DataKeys(
          "keys",
          { context: TEST_CONTEXT, stack: "me-south-1" },
          { providers: [provider] },
        );
        new VideoPipeline(
          "video",
          {
            context: TEST_CONTEXT,
            stack: "me-south-1",
            keys,
            domain: "knowledgecity.com",
            hostname: "video.sa.knowledgecity.com",
            hostedZoneId: "Z0ZONE0000",
            usEast1Provider: providerFor("us-east-1"),
          },
          { providers: [provider] },
        );
        keys.seal();
      }),
    );
    expect(schemaOf(recorded.named("aws:dynamodb/table:Table", "video-catalog"))).toEqual(
      created(VIDEO_CATALOG_SCHEMA),
    );
  });

  it("key the PII vault as the US user store deploys it", async () => {
    const recorded = Recorded.of(
      await runComponent((provider) => {
        new UserDataStore(
          "users",
          {
            context: TEST_CONTEXT,
            allowedRegions: ["me-south-1"],
            userDataKeyArn: "arn:aws:kms:me-south-1:111122223333:key/mrk-1",
            kind: "dynamodb",
          },
          { providers: [provider, new random.Provider("random")] },
        );
      }),
    );
    expect(schemaOf(recorded.named("aws:dynamodb/table:Table", "users-pii-vault"))).toEqual(
      created(PII_VAULT_SCHEMA),
    );
  });

  it("key the home-region directory as HomeRegion deploys it", async () => {
    const us = { ...TEST_CONTEXT, region: "us-east-1" };
    const recorded = Recorded.of(
      await runComponent((provider, providerFor) => {
        new HomeRegion(
          "home",
          {
            context: us,
            stack: "us-east-1",
            hostnames: {
              "me-south-1": "api.sa.knowledgecity.com",
              "us-east-1": "api.us.knowledgecity.com",
            },
            geolocation: {
              "me-south-1": { countries: ["SA"], default: false },
              "us-east-1": { countries: [], default: true },
            },
            telemetryKeyArn: "arn:aws:kms:us-east-1:111122223333:key/telemetry",
            directory: { replicaProviders: { "me-south-1": providerFor("me-south-1") } },
          },
          { providers: [provider] },
        );
      }, "us-east-1"),
    );
    const tables = recorded.ofType("aws:dynamodb/table:Table");
    expect(tables).toHaveLength(1);
    expect(schemaOf(tables[0])).toEqual(created(HOME_REGION_SCHEMA));
  });
});
