/**
 * The plan diff on planted changes to a real plan: the Saudi stack planned once, then cloned and
 * changed (a resource added, removed, changed, re-parented; violations new and gone; IAM
 * failures; a secret value), compared, and rendered as text and as a capped comment.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Violation } from "../../../policy/rules";
import type { Diagram } from "../diagram/model";
import { planStack, type PlanDocument, type PlanResource } from "../document";
import { diffExitStatus, diffPlans, type PlanSide, type StackDiff } from "./plan-diff";
import { COMMENT_MARKER, renderMarkdown } from "./render-markdown";
import { isUnchanged, renderText } from "./render-text";
import { MASK } from "./secrets";

const STACK = "me-south-1";
const PLANTED_SECRET = "Planted-Db-Password-7f3c9";

/** A plan document whose arrays can be changed in a test. */
interface Mutable extends Omit<PlanDocument, "resources" | "violations"> {
  resources: PlanResource[];
  violations: Violation[];
}

let base: PlanDocument;

beforeAll(async () => {
  // As the command reads every plan: through JSON (a saved or a git base comes so).
  base = JSON.parse(JSON.stringify((await planStack(STACK)).document)) as PlanDocument;
});

const clone = (): Mutable => JSON.parse(JSON.stringify(base)) as Mutable;
const side = (document: PlanDocument, iam: readonly string[] = []): PlanSide => ({
  documents: [document],
  iamFailures: { [STACK]: iam },
});

/** A stand-in drawing: one node per component. Both sides are drawn by it. */
const draw = (documents: readonly PlanDocument[]): Diagram => ({
  groups: documents.map((d) => ({ id: d.stack, label: `stack ${d.stack}` })),
  nodes: documents.flatMap((d) =>
    d.resources
      .filter((r) => r.type.startsWith("knowledgecity:"))
      .map((r) => ({ id: `${d.stack}/${r.name}`, label: r.type, group: d.stack })),
  ),
  edges: [],
});

function compare(
  was: PlanDocument,
  is: PlanDocument,
  iam: { readonly before?: readonly string[]; readonly after?: readonly string[] } = {},
): { stack: StackDiff; status: 0 | 1; text: string; markdown: string } {
  const diff = diffPlans(side(was, iam.before), side(is, iam.after), { baseLabel: "main", draw });
  const [stack] = diff.stacks;
  if (stack === undefined) {
    throw new Error("no stack compared");
  }
  return {
    stack,
    status: diffExitStatus(diff),
    text: renderText(diff),
    markdown: renderMarkdown(diff),
  };
}

function find(document: Mutable, type: string): PlanResource {
  const found = document.resources.find((r) => r.type === type);
  if (found === undefined) {
    throw new Error(`no ${type} in the plan of ${STACK}`);
  }
  return found;
}

function mandatoryViolation(
  resource: PlanResource,
  enforcement: Violation["enforcement"],
): Violation {
  return {
    rule: "encryption-at-rest",
    urn: resource.urn,
    message: "the queue is not encrypted with the stack's key",
    enforcement,
  };
}

describe("the plan diff of a real plan", () => {
  it("finds a plan identical to itself, with exit status 0", () => {
    const { stack, status, text } = compare(base, clone());
    expect(isUnchanged(stack)).toBe(true);
    expect(status).toBe(0);
    expect(text).toContain(`== ${STACK}: no differences ==`);
  });

  it("names a new resource, a removed one and a changed property with its values", () => {
    const after = clone();
    const queue = find(after, "aws:sqs/queue:Queue");
    const bucket = find(after, "aws:s3/bucket:Bucket");
    after.resources.push({ ...queue, urn: `${queue.urn}-extra`, name: `${queue.name}-extra` });
    after.resources = after.resources.filter((r) => r.urn !== bucket.urn);
    const index = after.resources.indexOf(queue);
    after.resources[index] = {
      ...queue,
      inputs: { ...queue.inputs, messageRetentionSeconds: 60, visibilityTimeoutSeconds: undefined },
    };
    const { stack, status, text } = compare(base, after);
    expect(stack.resources.added).toEqual([`aws:sqs/queue:Queue::${queue.name}-extra`]);
    expect(stack.resources.removed).toEqual([`aws:s3/bucket:Bucket::${bucket.name}`]);
    const changed = stack.resources.changed.find(
      (c) => c.key === `aws:sqs/queue:Queue::${queue.name}`,
    );
    expect(changed?.changes).toContainEqual({
      path: "inputs.messageRetentionSeconds",
      before: queue.inputs.messageRetentionSeconds,
      after: 60,
    });
    expect(text).toContain(`  + aws:sqs/queue:Queue::${queue.name}-extra`);
    expect(text).toContain(`  - aws:s3/bucket:Bucket::${bucket.name}`);
    expect(text).toContain(
      `inputs.messageRetentionSeconds: ${JSON.stringify(queue.inputs.messageRetentionSeconds) ?? "(absent)"} -> 60`,
    );
    // Differences alone never fail the diff.
    expect(status).toBe(0);
  });

  it("names a re-parented resource, and the new component in the diagram", () => {
    const after = clone();
    const queue = find(after, "aws:sqs/queue:Queue");
    const parent = after.resources.find((r) => r.urn === queue.parent);
    const root = after.resources.find((r) => r.parent === null);
    if (parent === undefined || root === undefined) {
      throw new Error("the queue has no parent component");
    }
    const component: PlanResource = {
      ...parent,
      urn: `${root.urn.split("::").slice(0, 2).join("::")}::knowledgecity:queues:Queues::kc-queues`,
      type: "knowledgecity:queues:Queues",
      name: "kc-queues",
      parent: root.urn,
    };
    after.resources.push(component);
    after.resources[after.resources.indexOf(queue)] = { ...queue, parent: component.urn };
    const { stack, text } = compare(base, after);
    expect(stack.resources.reparented).toEqual([
      {
        key: `aws:sqs/queue:Queue::${queue.name}`,
        from: `${parent.type}::${parent.name}`,
        to: "knowledgecity:queues:Queues::kc-queues",
      },
    ]);
    expect(text).toContain(
      `^ aws:sqs/queue:Queue::${queue.name}: parent ${parent.type}::${parent.name} -> knowledgecity:queues:Queues::kc-queues`,
    );
    expect(text).toContain(`+ node "knowledgecity:queues:Queues" in "stack ${STACK}"`);
  });

  it("fails (exit status 1) on a new mandatory violation only", () => {
    const queue = find(clone(), "aws:sqs/queue:Queue");
    const withMandatory = clone();
    withMandatory.violations.push(mandatoryViolation(queue, "mandatory"));
    const introduced = compare(base, withMandatory);
    expect(introduced.status).toBe(1);
    expect(introduced.text).toContain(
      `+ [mandatory] encryption-at-rest on aws:sqs/queue:Queue::${queue.name}: the queue is not encrypted`,
    );
    expect(introduced.markdown).toContain(":x: **1 new mandatory policy violation(s)**");

    const withAdvisory = clone();
    withAdvisory.violations.push(mandatoryViolation(queue, "advisory"));
    expect(compare(base, withAdvisory).status).toBe(0);
    // The base had it: gone is fine, and still there is no news.
    expect(compare(withMandatory, base).status).toBe(0);
    expect(compare(withMandatory, base).stack.policy.removed).toHaveLength(1);
    expect(
      compare(withMandatory, JSON.parse(JSON.stringify(withMandatory)) as PlanDocument).status,
    ).toBe(0);
  });

  it("fails on a new IAM failure, not on one the base had", () => {
    const line = `IAM ${STACK}: tokenize kms:Encrypt on key: denied, must be allowed (grant; none)`;
    expect(compare(base, clone(), { after: [line] }).status).toBe(1);
    expect(compare(base, clone(), { before: [line], after: [line] }).status).toBe(0);
    expect(compare(base, clone(), { before: [line] }).stack.policy.removed).toHaveLength(1);
  });

  it("never prints a secret value, changed or copied elsewhere", () => {
    const before = clone();
    const after = clone();
    const plant = (document: Mutable, password: string): void => {
      const cluster = find(document, "aws:rds/cluster:Cluster");
      document.resources[document.resources.indexOf(cluster)] = {
        ...cluster,
        inputs: { ...cluster.inputs, masterPassword: password },
      };
    };
    plant(before, "Previous-Db-Password-1a2b");
    plant(after, PLANTED_SECRET);
    const queue = find(after, "aws:sqs/queue:Queue");
    after.resources[after.resources.indexOf(queue)] = {
      ...queue,
      inputs: { ...queue.inputs, tags: { Note: `debug ${PLANTED_SECRET}` } },
    };
    after.violations.push({
      ...mandatoryViolation(queue, "advisory"),
      message: `found ${PLANTED_SECRET} in a tag`,
    });
    const { stack, text, markdown } = compare(before, after);
    for (const output of [text, markdown, JSON.stringify(stack)]) {
      expect(output).not.toContain(PLANTED_SECRET);
      expect(output).not.toContain("Previous-Db-Password-1a2b");
    }
    // The change is still shown, masked.
    expect(text).toContain(`inputs.masterPassword: "${MASK}" -> "${MASK}"`);
    expect(text).toContain(`inputs.tags.Note: (absent) -> "debug ${MASK}"`);
    expect(text).toContain(`found ${MASK} in a tag`);
  });

  it("cuts a comment that would be too long, keeping the summary and closing what it opened", () => {
    const after = clone();
    after.resources = after.resources.map((r) => ({
      ...r,
      inputs: { ...r.inputs, description: `${"x".repeat(150)} ${r.name}` },
    }));
    const { text, markdown } = compare(base, after);
    expect(text.length).toBeGreaterThan(70_000);
    expect(markdown.length).toBeLessThanOrEqual(65_536);
    expect(markdown.startsWith(`${COMMENT_MARKER}\n`)).toBe(true);
    expect(markdown).toContain(
      `- \`${STACK}\`: 0 added, 0 removed, ${after.resources.length} changed`,
    );
    expect(markdown).toMatch(
      /\*\*Output cut\*\* to fit a comment: \d+ more line\(s\) not shown, of `me-south-1`/,
    );
    expect(markdown.match(/<details>/g)?.length).toBe(markdown.match(/<\/details>/g)?.length);
    expect((markdown.match(/^```/gm)?.length ?? 0) % 2).toBe(0);
    // What fits is shown, not dropped wholesale.
    expect(markdown.length).toBeGreaterThan(60_000);
  });
});
