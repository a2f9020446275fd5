import { describe, expect, it } from "vitest";
import { json, list, record, Recorded, runComponent, TEST_CONTEXT } from "../../tools/plan/engine";
import { VideoTasks, type VideoTaskSettings } from "./video-tasks";

const IMAGE = "111122223333.dkr.ecr.me-south-1.amazonaws.com/transcripts:1.4.0";

function run(tasks: readonly VideoTaskSettings[]) {
  return runComponent((provider) => {
    new VideoTasks(
      "tasks",
      {
        context: TEST_CONTEXT,
        tasks,
        mediaConvertQueueArn: "arn:aws:mediaconvert:me-south-1:111122223333:queues/lectures",
        processedBucketArn: "arn:aws:s3:::processed",
        contentKeyArn: "arn:aws:kms:me-south-1:111122223333:key/content",
        telemetryKeyArn: "arn:aws:kms:me-south-1:111122223333:key/telemetry",
        vpcId: "vpc-1",
        privateSubnetIds: ["subnet-a", "subnet-b"],
      },
      { providers: [provider] },
    );
  });
}

describe("VideoTasks", () => {
  it("runs each listed task on Fargate in the private subnets when an encode of the queue completes", async () => {
    const recorded = Recorded.of(await run([{ name: "transcripts", image: IMAGE }]));
    const [definition] = recorded.ofType("aws:ecs/taskDefinition:TaskDefinition");
    expect(definition?.inputs).toMatchObject({
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "1024",
      memory: "2048",
    });
    const [container] = JSON.parse(String(definition?.inputs.containerDefinitions)) as {
      image: string;
      readonlyRootFilesystem: boolean;
    }[];
    expect(container).toMatchObject({ image: IMAGE, readonlyRootFilesystem: true });
    const [rule] = recorded.ofType("aws:cloudwatch/eventRule:EventRule");
    expect(record(json(rule?.inputs.eventPattern).detail)).toEqual({
      queue: ["arn:aws:mediaconvert:me-south-1:111122223333:queues/lectures"],
      status: ["COMPLETE"],
    });
    const [target] = recorded.ofType("aws:cloudwatch/eventTarget:EventTarget");
    const network = record(record(target?.inputs.ecsTarget).networkConfiguration);
    expect(network).toMatchObject({ subnets: ["subnet-a", "subnet-b"], assignPublicIp: false });
    expect(list(network.securityGroups).map(String)).toEqual([
      recorded.ofType("aws:ec2/securityGroup:SecurityGroup")[0]?.id,
    ]);
    const statements = list(
      json(recorded.named("aws:iam/rolePolicy:RolePolicy", "tasks-task").inputs.policy).Statement,
    ).map(record);
    expect(statements[0]).toMatchObject({
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: ["arn:aws:s3:::processed/courses/*"],
    });
  });

  it("creates nothing to run when no task is listed, and refuses sizes Fargate does not offer", async () => {
    const recorded = Recorded.of(await run([]));
    expect(recorded.ofType("aws:ecs/taskDefinition:TaskDefinition")).toEqual([]);
    await expect(
      run([{ name: "sprites", image: IMAGE, cpu: 1024, memoryMb: 512 }]),
    ).rejects.toThrow(/sprites: memoryMb 512 is outside 2048\.\.8192 for cpu 1024/);
  });
});
