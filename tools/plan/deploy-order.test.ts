/** The order the workflows deploy the stacks in: the primary first, then the others. */
import { describe, expect, it } from "vitest";
import { listStacks, readStackFile, type StackFile } from "../../stacks/stack-files";
import { deployOrder } from "./deploy-order";

function file(stack: string, primary: boolean): StackFile {
  return {
    stack,
    path: `Pulumi.${stack}.yaml`,
    config: { "aws:region": stack, "knowledgecity:primary": String(primary) },
    secretKeys: [],
  };
}

describe("deployOrder", () => {
  it("deploys the real primary (us-east-1) before every other stack", () => {
    const order = deployOrder(listStacks().map((stack) => readStackFile(stack)));
    expect(order).toEqual({
      all: ["me-south-1", "us-east-1"],
      primary: ["us-east-1"],
      secondary: ["me-south-1"],
    });
  });

  it("puts a new region after the primary with no other change", () => {
    const order = deployOrder([
      file("me-south-1", false),
      file("us-east-1", true),
      file("eu-central-1", false),
    ]);
    expect(order.primary).toEqual(["us-east-1"]);
    expect(order.secondary).toEqual(["eu-central-1", "me-south-1"]);
  });

  it("deploys one stack alone with --only, in its own wave", () => {
    const files = [file("me-south-1", false), file("us-east-1", true)];
    expect(deployOrder(files, "me-south-1")).toEqual({
      all: ["me-south-1", "us-east-1"],
      primary: [],
      secondary: ["me-south-1"],
    });
    expect(deployOrder(files, "us-east-1").primary).toEqual(["us-east-1"]);
    expect(() => deployOrder(files, "eu-west-1")).toThrow(
      "--only eu-west-1: no Pulumi.eu-west-1.yaml; known stacks: me-south-1, us-east-1",
    );
  });

  it("refuses no primary, two primaries, and a stack that is not a region", () => {
    expect(() => deployOrder([file("me-south-1", false)])).toThrow(
      "exactly one stack file must set knowledgecity:primary: true; found 0",
    );
    expect(() => deployOrder([file("me-south-1", true), file("us-east-1", true)])).toThrow(
      "found 2 (me-south-1, us-east-1)",
    );
    expect(() => deployOrder([file("production", true)])).toThrow(
      'Pulumi.production.yaml: stack "production" is not an AWS region name',
    );
    expect(() => deployOrder([])).toThrow("no Pulumi.<stack>.yaml files found");
  });
});
