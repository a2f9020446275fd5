/**
 * The secure defaults of each resource kind hold on every resource of that kind in every stack,
 * whichever component made it: queues are encrypted with a customer-managed key and refuse
 * requests without TLS, dead-letter queues admit only their source, and log groups are encrypted
 * and never kept forever.
 */
import { describe, expect, it } from "vitest";
import { json, list, record, type RecordedResource } from "../tools/plan/engine";
import { usePlansOfEveryStack } from "./stack-plans";

const plans = usePlansOfEveryStack();

/** What the tests read of a stack's plan. */
interface PlannedResources {
  readonly resources: readonly RecordedResource[];
}

const QUEUE = "aws:sqs/queue:Queue";
const QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy";

/** Whether a value is the ARN of a KMS key (a customer-managed key: AWS-owned keys have none). */
function isKmsKeyArn(value: unknown): boolean {
  return typeof value === "string" && value.startsWith("arn:aws:kms:");
}

function ofType(run: PlannedResources, type: string): RecordedResource[] {
  return run.resources.filter((resource) => resource.type === type);
}

/** The statements of each queue policy, by the queue URL it governs. */
function policiesByQueueUrl(run: PlannedResources): Map<string, Record<string, unknown>[]> {
  return new Map(
    ofType(run, QUEUE_POLICY).map((policy) => [
      String(policy.inputs.queueUrl),
      list(json(policy.inputs.policy).Statement).map(record),
    ]),
  );
}

describe.each(plans.stacks)("secure defaults of %s", (stack) => {
  const run = (): PlannedResources => ({ resources: plans.planOf(stack).recorded });

  it("encrypts every queue with a customer-managed key", () => {
    const queues = ofType(run(), QUEUE);
    expect(queues.length).toBeGreaterThan(0);
    const unencrypted = queues
      .filter((queue) => !isKmsKeyArn(queue.inputs.kmsMasterKeyId))
      .map((queue) => queue.name);
    expect(unencrypted).toEqual([]);
  });

  it("gives every queue a policy that denies any request without TLS", () => {
    const policies = policiesByQueueUrl(run());
    const withoutTls = ofType(run(), QUEUE)
      .filter((queue) => {
        const statements = policies.get(String(queue.state.url)) ?? [];
        return !statements.some(
          (statement) =>
            statement.Effect === "Deny" &&
            statement.Principal === "*" &&
            statement.Action === "sqs:*" &&
            statement.Resource === queue.state.arn &&
            JSON.stringify(statement.Condition) ===
              JSON.stringify({ Bool: { "aws:SecureTransport": "false" } }),
        );
      })
      .map((queue) => queue.name);
    expect(withoutTls).toEqual([]);
  });

  it("lets a dead-letter queue receive from its one source queue only", () => {
    const resources = run().resources;
    const queues = ofType(run(), QUEUE);
    const redrives = queues.flatMap((queue) => {
      const policy = queue.inputs.redrivePolicy;
      return policy === undefined ? [] : [{ source: queue, target: json(policy) }];
    });
    expect(redrives.length).toBeGreaterThan(0);
    for (const { source, target } of redrives) {
      const deadLetter = queues.find((queue) => queue.state.arn === target.deadLetterTargetArn);
      expect(deadLetter, `${source.name}'s dead-letter queue`).toBeDefined();
      const allow = resources.find(
        (resource) =>
          resource.type === "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy" &&
          resource.inputs.queueUrl === deadLetter?.state.url,
      );
      expect(json(allow?.inputs.redriveAllowPolicy), source.name).toEqual({
        redrivePermission: "byQueue",
        sourceQueueArns: [source.state.arn],
      });
    }
  });

  it("encrypts every log group with a customer-managed key and bounds its retention", () => {
    const groups = ofType(run(), "aws:cloudwatch/logGroup:LogGroup");
    expect(groups.length).toBeGreaterThan(0);
    const weak = groups
      .filter(
        (group) =>
          !isKmsKeyArn(group.inputs.kmsKeyId) ||
          typeof group.inputs.retentionInDays !== "number" ||
          group.inputs.retentionInDays <= 0,
      )
      .map((group) => group.name);
    expect(weak).toEqual([]);
  });
});
