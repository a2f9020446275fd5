import { describe, expect, it } from "vitest";
import { ensureBinary, NO_SERVER_MESSAGE } from "./server";

describe("finding the test server's binary", () => {
  it("uses the binary it finds, installing nothing", () => {
    let installs = 0;
    const binary = ensureBinary({
      find: () => "/usr/sbin/clickhouse-server",
      canInstall: () => true,
      install: () => (installs += 1),
    });
    expect(binary).toBe("/usr/sbin/clickhouse-server");
    expect(installs).toBe(0);
  });

  it("installs it when missing and allowed (root with apt-get)", () => {
    let installed = false;
    const binary = ensureBinary({
      find: () => (installed ? "/usr/sbin/clickhouse-server" : undefined),
      canInstall: () => true,
      install: () => {
        installed = true;
      },
    });
    expect(binary).toBe("/usr/sbin/clickhouse-server");
  });

  it("stops with one line saying how to point at a server when it cannot install", () => {
    const call = () =>
      ensureBinary({ find: () => undefined, canInstall: () => false, install: () => undefined });
    expect(call).toThrow(NO_SERVER_MESSAGE);
    expect(NO_SERVER_MESSAGE).not.toContain("\n");
    expect(NO_SERVER_MESSAGE).toContain("CLICKHOUSE_URL=");
  });

  it("says so when the install left no binary", () => {
    const call = () =>
      ensureBinary({ find: () => undefined, canInstall: () => true, install: () => undefined });
    expect(call).toThrow("clickhouse-server is still missing after apt-get install");
  });
});
