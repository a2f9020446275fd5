import { describe, expect, it } from "vitest";
import { configKey } from "./config-errors";

describe("configKey", () => {
  it("writes keys the way a stack file does", () => {
    expect(configKey(["region"])).toBe("aws:region");
    expect(configKey(["network", "azCount"])).toBe("knowledgecity:network.azCount");
    expect(configKey(["userStore", "replicaRegions", 0])).toBe(
      "knowledgecity:userStore.replicaRegions[0]",
    );
    expect(configKey(["dns", "geolocation", "countries", 2])).toBe(
      "knowledgecity:dns.geolocation.countries[2]",
    );
    expect(configKey([])).toBe("knowledgecity");
  });
});
