import { describe, expect, it } from "vitest";
import { loadConfiguration, parseRegionDirectory } from "./config";
import { ConfigurationError } from "../../shared/errors";
import { HANDLER_ENV, thrown } from "./test-support";

describe("loadConfiguration", () => {
  it("reads the handler's variables", () => {
    const config = loadConfiguration(HANDLER_ENV);
    expect(config.hmacKeyId).toBe(HANDLER_ENV.HMAC_KEY_ID);
    expect(config.tableName).toBe("home-region");
    expect(config.directory.regions).toEqual(["me-south-1", "us-east-1"]);
    expect([...config.directory.hostnames]).toEqual([
      ["me-south-1", "api.sa.example.com"],
      ["us-east-1", "api.us.example.com"],
    ]);
    expect(config.directory.stackRegion).toBe("me-south-1");
    expect(config.directory.countries).toEqual({
      SA: "me-south-1",
      AE: "me-south-1",
      BH: "me-south-1",
      KW: "me-south-1",
      OM: "me-south-1",
      QA: "me-south-1",
      "*": "us-east-1",
    });
  });

  it("trims the region list", () => {
    const config = loadConfiguration({ ...HANDLER_ENV, HOME_REGIONS: " me-south-1 , us-east-1 " });
    expect(config.directory.regions).toEqual(["me-south-1", "us-east-1"]);
  });

  it("lists every missing variable, blank ones included", () => {
    const error = thrown(() => loadConfiguration({ TABLE_NAME: "  " }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).missing).toEqual([
      "HMAC_KEY_ID",
      "TABLE_NAME",
      "HOME_REGIONS",
      "REGION_HOSTNAMES",
      "COUNTRY_HOME_REGIONS",
      "STACK_REGION",
    ]);
  });

  it.each([
    ["a bad region code", { HOME_REGIONS: "me-south-1,US-EAST-1" }, "comma-separated list"],
    ["a region listed twice", { HOME_REGIONS: "me-south-1,me-south-1" }, "twice"],
    ["an empty entry", { HOME_REGIONS: "me-south-1,,us-east-1" }, "comma-separated list"],
    ["hostnames that are not JSON", { REGION_HOSTNAMES: "me-south-1=api" }, "JSON object"],
    ["hostnames as an array", { REGION_HOSTNAMES: '["api.sa.example.com"]' }, "JSON object"],
    [
      "a region without a hostname",
      { REGION_HOSTNAMES: '{"me-south-1":"api.sa.example.com"}' },
      "no entry for us-east-1",
    ],
    [
      "a hostname for a region that is not a home region",
      { HOME_REGIONS: "me-south-1" },
      "names us-east-1, which is not in HOME_REGIONS",
    ],
    [
      "a hostname that is not a hostname",
      {
        REGION_HOSTNAMES:
          '{"me-south-1":"https://api.sa.example.com","us-east-1":"api.us.example.com"}',
      },
      "entry for me-south-1 must be a lower-case DNS hostname",
    ],
    [
      "a hostname that is not a string",
      { REGION_HOSTNAMES: '{"me-south-1":1,"us-east-1":"api.us.example.com"}' },
      "entry for me-south-1",
    ],
    [
      "a stack region that is not a home region",
      { STACK_REGION: "eu-west-1" },
      "STACK_REGION eu-west-1 is not in HOME_REGIONS",
    ],
    ["a stack region that is no region", { STACK_REGION: "Bahrain" }, "STACK_REGION must be"],
    [
      "a country map that is not JSON",
      { COUNTRY_HOME_REGIONS: "SA=me-south-1" },
      'COUNTRY_HOME_REGIONS must be a JSON object of ISO 3166-1 alpha-2 country code (or "*") to home region',
    ],
    [
      "a country map without the default",
      { COUNTRY_HOME_REGIONS: '{"SA":"me-south-1"}' },
      'COUNTRY_HOME_REGIONS has no "*" entry',
    ],
    [
      "a country that is not an alpha-2 code",
      { COUNTRY_HOME_REGIONS: '{"Saudi Arabia":"me-south-1","*":"us-east-1"}' },
      'COUNTRY_HOME_REGIONS has the key "Saudi Arabia"',
    ],
    [
      "a country kept in a region that is not a home region",
      { COUNTRY_HOME_REGIONS: '{"SA":"me-central-1","*":"us-east-1"}' },
      "COUNTRY_HOME_REGIONS entry for SA must be one of HOME_REGIONS",
    ],
  ])("refuses %s", (_, overrides, problem) => {
    const error = thrown(() => loadConfiguration({ ...HANDLER_ENV, ...overrides }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(problem);
  });

  it("parses a directory on its own", () => {
    expect(
      parseRegionDirectory(
        "us-east-1",
        '{"us-east-1":"api.us.example.com"}',
        '{"*":"us-east-1"}',
        "us-east-1",
      ),
    ).toEqual({
      directory: {
        regions: ["us-east-1"],
        hostnames: new Map([["us-east-1", "api.us.example.com"]]),
        countries: { "*": "us-east-1" },
        stackRegion: "us-east-1",
      },
    });
  });
});
