import { describe, expect, it } from "vitest";
import { json, list, record, Recorded, runComponent, TEST_CONTEXT } from "../../tools/plan/engine";
import { homeRegionOfCountry, type CountryHomeRegions } from "../../contracts/home-region";
import {
  HOME_REGION_KEY_ALIAS,
  HOME_REGION_TABLE,
  HOME_REGION_TABLE_KEY_ALIAS,
  HomeRegion,
} from "./home-region";
import { KEY_ADMIN_ACTIONS, MULTI_REGION_KEY_ADMIN_ACTIONS } from "../security/key-policies";

const HOSTNAMES = {
  "me-south-1": "api.sa.knowledgecity.com",
  "us-east-1": "api.us.knowledgecity.com",
};
const US = { ...TEST_CONTEXT, region: "us-east-1" };
/** The stack files' home-region geolocation: the GCC in me-south-1, the default in us-east-1. */
const GEOLOCATION = {
  "me-south-1": { countries: ["SA", "AE", "BH", "KW", "OM", "QA"], default: false },
  "us-east-1": { countries: [], default: true },
};

describe("HomeRegion in the primary stack", async () => {
  const recorded = Recorded.of(
    await runComponent((provider, providerFor) => {
      new HomeRegion(
        "home",
        {
          context: US,
          stack: "us-east-1",
          hostnames: HOSTNAMES,
          geolocation: GEOLOCATION,
          telemetryKeyArn: "arn:aws:kms:us-east-1:111122223333:key/telemetry",
          directory: { replicaProviders: { "me-south-1": providerFor("me-south-1") } },
        },
        { providers: [provider] },
      );
    }, "us-east-1"),
  );

  it("owns one directory table replicated to every other home region, holding no personal data", () => {
    const [table] = recorded.ofType("aws:dynamodb/table:Table");
    expect(table?.inputs).toMatchObject({
      name: HOME_REGION_TABLE,
      hashKey: "pk",
      billingMode: "PAY_PER_REQUEST",
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: true,
    });
    expect(record(table?.inputs.tags).DataClass).toBe("pseudonymous-directory");
    expect(list(table?.inputs.replicas).map((r) => record(r).regionName)).toEqual(["me-south-1"]);
    expect(String(record(table?.inputs.serverSideEncryption).kmsKeyArn)).toMatch(
      /^arn:aws:kms:us-east-1:111122223333:key\/mrk-/,
    );
  });

  it("hashes identities with a multi-region HMAC key replicated, under the same alias, to every home region", () => {
    const hmac = recorded.named("aws:kms/key:Key", "home-hmac");
    expect(hmac.inputs).toMatchObject({
      keyUsage: "GENERATE_VERIFY_MAC",
      customerMasterKeySpec: "HMAC_256",
      multiRegion: true,
    });
    const replica = recorded.named("aws:kms/replicaKey:ReplicaKey", "home-hmac-me-south-1");
    expect(replica.region).toBe("me-south-1");
    const aliases = recorded
      .ofType("aws:kms/alias:Alias")
      .filter((a) => a.inputs.name === HOME_REGION_KEY_ALIAS);
    expect(aliases.map((a) => a.region).sort()).toEqual(["me-south-1", "us-east-1"]);
    const statements = list(json(hmac.inputs.policy).Statement).map(record);
    expect(statements.map((s) => s.Action)).toEqual([
      [...KEY_ADMIN_ACTIONS, ...MULTI_REGION_KEY_ADMIN_ACTIONS],
      ["kms:GenerateMac"],
    ]);
  });

  it("gives the function only the directory table and a MAC through the directory key's alias", () => {
    const fn = recorded.named("aws:lambda/function:Function", "home-lookup-fn");
    expect(record(record(fn.inputs.environment).variables)).toEqual({
      TABLE_NAME: HOME_REGION_TABLE,
      HMAC_KEY_ID: `arn:aws:kms:us-east-1:111122223333:${HOME_REGION_KEY_ALIAS}`,
      HOME_REGIONS: "me-south-1,us-east-1",
      REGION_HOSTNAMES: JSON.stringify(HOSTNAMES),
      COUNTRY_HOME_REGIONS: JSON.stringify({
        SA: "me-south-1",
        AE: "me-south-1",
        BH: "me-south-1",
        KW: "me-south-1",
        OM: "me-south-1",
        QA: "me-south-1",
        "*": "us-east-1",
      }),
      STACK_REGION: "us-east-1",
    });
    const statements = list(
      json(recorded.named("aws:iam/rolePolicy:RolePolicy", "home-lookup-policy").inputs.policy)
        .Statement,
    ).map(record);
    expect(statements.find((s) => s.Sid === "ReadAndWriteTheDirectory")?.Resource).toEqual([
      `arn:aws:dynamodb:us-east-1:111122223333:table/${HOME_REGION_TABLE}`,
    ]);
    expect(statements.find((s) => s.Sid === "HashWithTheDirectoryKey")).toMatchObject({
      Action: ["kms:GenerateMac"],
      Condition: { StringEquals: { "kms:RequestAlias": HOME_REGION_KEY_ALIAS } },
    });
  });

  it("lets the function decrypt the directory through DynamoDB, as the table key's policy allows", () => {
    const statements = list(
      json(recorded.named("aws:iam/rolePolicy:RolePolicy", "home-lookup-policy").inputs.policy)
        .Statement,
    ).map(record);
    const decrypt = statements.find((s) => s.Sid === "ReadTheEncryptedDirectory");
    expect(decrypt).toEqual({
      Sid: "ReadTheEncryptedDirectory",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: ["arn:aws:kms:us-east-1:111122223333:key/*"],
      Condition: {
        StringEquals: { "kms:ViaService": "dynamodb.us-east-1.amazonaws.com" },
        "ForAnyValue:StringEquals": { "kms:ResourceAliases": HOME_REGION_TABLE_KEY_ALIAS },
      },
    });
    // The key behind that alias, in each region, lets the account's principals decrypt through
    // DynamoDB of its own region.
    const aliases = recorded
      .ofType("aws:kms/alias:Alias")
      .filter((a) => a.inputs.name === HOME_REGION_TABLE_KEY_ALIAS);
    expect(aliases.map((a) => a.region).sort()).toEqual(["me-south-1", "us-east-1"]);
    for (const [type, name, region] of [
      ["aws:kms/key:Key", "home-table", "us-east-1"],
      ["aws:kms/replicaKey:ReplicaKey", "home-table-me-south-1", "me-south-1"],
    ] as const) {
      const keyStatements = list(json(recorded.named(type, name).inputs.policy).Statement).map(
        record,
      );
      const throughDynamoDb = keyStatements.find(
        (s) => s.Sid === "AccountUsesTheKeyThroughDynamoDb",
      );
      expect(list(throughDynamoDb?.Action)).toContain("kms:Decrypt");
      expect(throughDynamoDb?.Condition).toEqual({
        StringEquals: {
          "kms:CallerAccount": "111122223333",
          "kms:ViaService": `dynamodb.${region}.amazonaws.com`,
        },
      });
    }
  });
});

describe("HomeRegion in a regional stack", () => {
  it("creates only its function, reaching the table and key replicas in its own region", async () => {
    const recorded = Recorded.of(
      await runComponent((provider) => {
        new HomeRegion(
          "home",
          {
            context: TEST_CONTEXT,
            stack: "me-south-1",
            hostnames: HOSTNAMES,
            geolocation: GEOLOCATION,
            telemetryKeyArn: "arn:aws:kms:me-south-1:111122223333:key/t",
          },
          { providers: [provider] },
        );
      }),
    );
    expect(recorded.ofType("aws:dynamodb/table:Table")).toEqual([]);
    expect(recorded.ofType("aws:kms/key:Key")).toEqual([]);
    const fn = recorded.named("aws:lambda/function:Function", "home-lookup-fn");
    expect(record(record(fn.inputs.environment).variables).HMAC_KEY_ID).toBe(
      `arn:aws:kms:me-south-1:111122223333:${HOME_REGION_KEY_ALIAS}`,
    );
  });

  it("tells its function this stack's region and where each country's sign-ups are kept", async () => {
    const recorded = Recorded.of(
      await runComponent((provider) => {
        new HomeRegion(
          "home",
          {
            context: TEST_CONTEXT,
            stack: "me-south-1",
            hostnames: HOSTNAMES,
            geolocation: GEOLOCATION,
            telemetryKeyArn: "arn:aws:kms:me-south-1:111122223333:key/t",
          },
          { providers: [provider] },
        );
      }),
    );
    const variables = record(
      record(recorded.named("aws:lambda/function:Function", "home-lookup-fn").inputs.environment)
        .variables,
    );
    expect(variables.STACK_REGION).toBe("me-south-1");
    expect(JSON.parse(String(variables.COUNTRY_HOME_REGIONS))).toEqual({
      SA: "me-south-1",
      AE: "me-south-1",
      BH: "me-south-1",
      KW: "me-south-1",
      OM: "me-south-1",
      QA: "me-south-1",
      "*": "us-east-1",
    });
    // Read as the contract reads it (test/contracts.test.ts feeds every deployed function's
    // environment to its own loader): a US sign-up is not kept here.
    const map = JSON.parse(String(variables.COUNTRY_HOME_REGIONS)) as CountryHomeRegions;
    expect(homeRegionOfCountry(map, "US")).toBe("us-east-1");
    expect(homeRegionOfCountry(map, "OM")).toBe("me-south-1");
  });

  it.each([
    [
      "a country in two home regions",
      { ...GEOLOCATION, "us-east-1": { countries: ["SA"], default: true } },
      "SA is listed by both me-south-1 and us-east-1: one home region each",
    ],
    [
      "no default",
      { ...GEOLOCATION, "us-east-1": { countries: ["US"], default: false } },
      "no home region holds the default",
    ],
    [
      "two defaults",
      { ...GEOLOCATION, "me-south-1": { countries: ["SA"], default: true } },
      "me-south-1 and us-east-1 both hold the default",
    ],
    [
      "a home region without its geolocation",
      { "me-south-1": GEOLOCATION["me-south-1"] },
      "geolocation names the home regions me-south-1, hostnames me-south-1, us-east-1: expected the same regions",
    ],
  ])("refuses %s", async (_, geolocation, message) => {
    await expect(
      runComponent((provider) => {
        new HomeRegion(
          "home",
          {
            context: TEST_CONTEXT,
            stack: "me-south-1",
            hostnames: HOSTNAMES,
            geolocation,
            telemetryKeyArn: "k",
          },
          { providers: [provider] },
        );
      }),
    ).rejects.toThrow(message);
  });

  it("refuses a map of home regions without its own region", async () => {
    await expect(
      runComponent((provider) => {
        new HomeRegion(
          "home",
          {
            context: TEST_CONTEXT,
            stack: "me-south-1",
            hostnames: { "us-east-1": "api.us.knowledgecity.com" },
            geolocation: { "us-east-1": GEOLOCATION["us-east-1"] },
            telemetryKeyArn: "k",
          },
          { providers: [provider] },
        );
      }),
    ).rejects.toThrow(/hostnames must include this stack's region me-south-1/);
  });
});

describe("HomeRegion with the region's user-store shards", () => {
  const variables = async (shards?: readonly { id: string; weight: number }[]) => {
    const recorded = Recorded.of(
      await runComponent((provider) => {
        new HomeRegion(
          "home",
          {
            context: TEST_CONTEXT,
            stack: "me-south-1",
            hostnames: HOSTNAMES,
            geolocation: GEOLOCATION,
            telemetryKeyArn: "arn:aws:kms:me-south-1:111122223333:key/telemetry",
            ...(shards === undefined ? {} : { shards }),
          },
          { providers: [provider] },
        );
      }),
    );
    const fn = recorded.named("aws:lambda/function:Function", "home-lookup-fn");
    return record(record(fn.inputs.environment).variables);
  };

  it("tells the function nothing about shards when the region has one", async () => {
    const none = await variables();
    expect(none.STORE_SHARDS).toBeUndefined();
    expect(await variables([{ id: "s1", weight: 1 }])).toEqual(none);
  });

  it("gives the function every shard in order, to assign and record one per new account", async () => {
    const two = await variables([
      { id: "s1", weight: 0 },
      { id: "s2", weight: 2 },
    ]);
    expect(JSON.parse(String(two.STORE_SHARDS))).toEqual([
      { id: "s1", weight: 0 },
      { id: "s2", weight: 2 },
    ]);
  });
});
