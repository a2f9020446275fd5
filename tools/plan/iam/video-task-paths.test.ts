/** The IAM check over the video pipeline's trick-play task, as the stacks compose it. */
import { describe, expect, it } from "vitest";
import { DataKeys } from "../../../components/security/data-keys";
import { VideoPipeline } from "../../../components/video/video-pipeline";
import { Recorded, runComponent, TEST_CONTEXT, type RecordedResource } from "../engine";
import { checkModel, failureLines } from "./check";
import { loadIamModel } from "./loader";
import { videoTaskMustDenyPaths, videoTaskRequiredPaths } from "./video-task-paths";

/** The pipeline under the stacks' name (`kc-video`), with its network. */
async function plan(): Promise<readonly RecordedResource[]> {
  const run = await runComponent((provider, providerFor) => {
    const keys = new DataKeys(
      "kc-keys",
      { context: TEST_CONTEXT, stack: "me-south-1" },
      { providers: [provider] },
    );
    new VideoPipeline(
      "kc-video",
      {
        context: TEST_CONTEXT,
        stack: "me-south-1",
        keys,
        domain: "knowledgecity.com",
        hostname: "video.sa.knowledgecity.com",
        hostedZoneId: "Z0ZONE0000",
        usEast1Provider: providerFor("us-east-1"),
        network: { vpcId: "vpc-1", privateSubnetIds: ["subnet-a", "subnet-b"] },
      },
      { providers: [provider] },
    );
    keys.seal();
  });
  return run.resources;
}

const check = (resources: readonly RecordedResource[]) =>
  checkModel(loadIamModel("me-south-1", TEST_CONTEXT.region, resources), {
    required: videoTaskRequiredPaths,
    mustDeny: videoTaskMustDenyPaths,
  });

describe("the trick-play task's IAM paths", async () => {
  const resources = await plan();

  it("are allowed where its code calls, and denied everywhere else", async () => {
    const report = await check(resources);
    expect(failureLines(report)).toEqual([]);
    const allowed = report.results.filter((r) => r.expectation === "allow").map((r) => r.action);
    expect(allowed).toEqual(
      expect.arrayContaining([
        "s3:GetObject",
        "s3:ListBucket",
        "s3:PutObject",
        "dynamodb:UpdateItem",
        "sqs:SendMessage",
      ]),
    );
    // The KMS calls S3, DynamoDB and SQS make for it are evaluated too.
    expect(allowed.filter((action) => action.startsWith("kms:")).length).toBeGreaterThan(0);
    expect(report.results.filter((r) => r.expectation === "deny").length).toBeGreaterThanOrEqual(5);
  });

  it("fail when its role may write every rendition", async () => {
    const widened = resources.map((resource) =>
      resource.type === "aws:iam/rolePolicy:RolePolicy" &&
      resource.name === "kc-video-tasks-trick-play-task"
        ? {
            ...resource,
            inputs: {
              ...resource.inputs,
              policy: String(resource.inputs.policy).replace("*/trickplay/*", "*"),
            },
          }
        : resource,
    );
    expect(
      new Recorded(widened).named("aws:iam/rolePolicy:RolePolicy", "kc-video-tasks-trick-play-task")
        .inputs.policy,
    ).not.toContain("trickplay");
    const lines = failureLines(await check(widened));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("kc-video-tasks-trick-play-task s3:PutObject on");
    expect(lines[0]).toContain("cmaf/index.m3u8: Allowed, must be denied");
  });
});
