import { describe, expect, it } from "vitest";
import { ensureJava, NO_ENDPOINT_MESSAGE } from "./server";

describe("finding Java for DynamoDB Local", () => {
  it("uses the java it finds, installing nothing", () => {
    let installs = 0;
    const java = ensureJava({
      find: () => "/usr/bin/java",
      canInstall: () => true,
      install: () => (installs += 1),
    });
    expect(java).toBe("/usr/bin/java");
    expect(installs).toBe(0);
  });

  it("installs it when missing and allowed (root with apt-get)", () => {
    let installed = false;
    const java = ensureJava({
      find: () => (installed ? "/usr/bin/java" : undefined),
      canInstall: () => true,
      install: () => {
        installed = true;
      },
    });
    expect(java).toBe("/usr/bin/java");
  });

  it("stops with one line saying how to point at an endpoint when it cannot install", () => {
    let installs = 0;
    const call = () =>
      ensureJava({
        find: () => undefined,
        canInstall: () => false,
        install: () => (installs += 1),
      });
    expect(call).toThrow(NO_ENDPOINT_MESSAGE);
    expect(installs).toBe(0);
    expect(NO_ENDPOINT_MESSAGE).not.toContain("\n");
    expect(NO_ENDPOINT_MESSAGE).toContain("DYNAMODB_ENDPOINT=");
    expect(NO_ENDPOINT_MESSAGE).toContain("openjdk-17-jre-headless");
  });

  it("says so when the install left no java", () => {
    const call = () =>
      ensureJava({ find: () => undefined, canInstall: () => true, install: () => undefined });
    expect(call).toThrow("java is still missing after apt-get install");
  });
});
