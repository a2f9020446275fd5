import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { runInMockEngine, SECRET_PLACEHOLDER } from "../tools/plan/engine/engine";
import { parseStackConfig, readSecretConfig, SECRET_CONFIG_KEYS } from "./config";
import { baseConfig } from "./config-test-support";
import { toCliConfig } from "./stack-files";

// How a `secure:` config value is read: what the CLI passes a program for it (the clear text,
// with the key in the list of secret keys), read with requireSecret, must stay an Output marked
// secret into every resource input and stack output.

const KEY = "knowledgecity:webhookUrl";

/** A resource of a test package, to see what the engine records of its inputs. */
class Hook extends pulumi.CustomResource {
  constructor(name: string, props: { url: pulumi.Input<string> }) {
    super("test:index:Hook", name, props);
  }
}
const CLEAR_TEXT = "https://hooks.example.com/services/T000/B000/XXXX";

/** Runs a program registering one resource whose `url` is `read()`, returning it as an output. */
async function runWith(read: () => pulumi.Output<string> | string) {
  let value: pulumi.Output<string> | string | undefined;
  const run = await runInMockEngine({
    project: "knowledgecity",
    stack: "me-south-1",
    config: { "aws:region": "me-south-1", [KEY]: CLEAR_TEXT },
    secretKeys: [KEY],
    program: () => {
      value = read();
      new Hook("hook", { url: value });
      return { webhook: value };
    },
  });
  const hook = run.resources.find((resource) => resource.type === "test:index:Hook");
  return { run, hook, value };
}

describe("secret config values", () => {
  it("are none today: no config key is a secret, and the stack files encrypt nothing", () => {
    expect(SECRET_CONFIG_KEYS).toEqual([]);
  });

  it("stay an Output marked secret from readSecretConfig into resource inputs and stack outputs", async () => {
    const { run, hook, value } = await runWith(() => readSecretConfig(KEY));
    expect(pulumi.Output.isInstance(value)).toBe(true);
    expect(await pulumi.isSecret(value as pulumi.Output<string>)).toBe(true);
    expect(hook?.inputs.url).toBe(SECRET_PLACEHOLDER);
    expect(JSON.stringify(run.resources)).not.toContain(CLEAR_TEXT);
    expect(run.outputs.webhook).toBe(SECRET_PLACEHOLDER);
  });

  it("would leak read as plain config, which is why the program never reads them so", async () => {
    const { hook } = await runWith(() => new pulumi.Config("knowledgecity").require("webhookUrl"));
    expect(hook?.inputs.url).toBe(CLEAR_TEXT);
  });

  it("reach the mock engine as secret keys with a placeholder, never the ciphertext", () => {
    const ciphertext = "v1:qhx8XYZ:Zm9vYmFy";
    const { config, secretKeys } = toCliConfig({
      "aws:region": "me-south-1",
      [KEY]: { secure: ciphertext },
    });
    expect(secretKeys).toEqual([KEY]);
    expect(config[KEY]).not.toContain(ciphertext);
    expect(config["aws:region"]).toBe("me-south-1");
  });

  it("never enter the parsed config, whose values reach state in clear text", () => {
    const raw = { ...baseConfig(), [KEY]: CLEAR_TEXT };
    const parsed = parseStackConfig("me-south-1", raw, [KEY]);
    expect(JSON.stringify(parsed)).not.toContain(CLEAR_TEXT);
    // Not a secret key: the schema sees it, and refuses a key it does not know.
    expect(() => parseStackConfig("me-south-1", raw, [])).toThrow(`${KEY}: unknown key`);
  });

  it("need a full key", () => {
    expect(() => readSecretConfig("webhookUrl")).toThrow(
      "webhookUrl: expected a full config key such as knowledgecity:name",
    );
  });
});
