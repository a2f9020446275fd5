/**
 * Two offline plans compared stack by stack: resources (`./resources`), policy results
 * (`./policy`) and the architecture diagram (`./diagram`), with every secret masked (`./secrets`).
 * The result is what the text and Markdown renderers print, and its exit status is the gate: 1
 * only when the change brings a mandatory finding the base did not have.
 */
import type { Diagram } from "../diagram/model";
import type { PlanDocument } from "../document";
import { diffDiagrams, type DiagramDiff } from "./diagram";
import {
  diffFindings,
  hasNewMandatory,
  iamFindings,
  violationFindings,
  type PolicyDiff,
} from "./policy";
import { diffResources, type ResourceDiff } from "./resources";
import { SecretMask } from "./secrets";

/** One side of the comparison: its plan documents and the IAM failures its plan printed. */
export interface PlanSide {
  readonly documents: readonly PlanDocument[];
  /** Per stack, the `IAM <stack>: ...` failure lines of its plan; none for a stack not named. */
  readonly iamFailures: Readonly<Record<string, readonly string[]>>;
}

/** Whether a stack is in both plans, only the new one (a new stack file) or only the base. */
export type Presence = "both" | "added" | "removed";

/** How one stack differs. */
export interface StackDiff {
  readonly stack: string;
  readonly presence: Presence;
  readonly resources: ResourceDiff;
  readonly policy: PolicyDiff;
  /** The diagram's differences, or why the diagram could not be drawn. */
  readonly diagram: DiagramDiff | { readonly error: string };
}

/** How two plans differ. */
export interface PlanDiff {
  /** What the base is, as the reader should see it (`origin/main (1a2b3c4)`, a file name). */
  readonly base: string;
  readonly stacks: readonly StackDiff[];
}

/** Draws the architecture diagram of plan documents (`architectureDiagram`). */
export type DrawDiagram = (documents: readonly PlanDocument[]) => Diagram;

const EMPTY_DIAGRAM: Diagram = { groups: [], nodes: [], edges: [] };

/** Compares two plans; a stack in one of them only is compared with an empty plan. */
export function diffPlans(
  base: PlanSide,
  head: PlanSide,
  options: { readonly baseLabel: string; readonly draw: DrawDiagram },
): PlanDiff {
  const mask = SecretMask.of(
    [...base.documents, ...head.documents].flatMap((document) => document.resources),
  );
  const baseByStack = new Map(base.documents.map((d) => [d.stack, d]));
  const headByStack = new Map(head.documents.map((d) => [d.stack, d]));
  const stacks = [
    ...head.documents.map((d) => d.stack),
    ...base.documents.map((d) => d.stack).filter((stack) => !headByStack.has(stack)),
  ];
  return {
    base: options.baseLabel,
    stacks: stacks.map((stack) => {
      const was = baseByStack.get(stack);
      const is = headByStack.get(stack);
      const findings = (side: PlanSide, document: PlanDocument | undefined) => [
        ...violationFindings(document?.violations ?? [], mask),
        ...iamFindings(document === undefined ? [] : (side.iamFailures[stack] ?? []), mask),
      ];
      return {
        stack,
        presence: was === undefined ? "added" : is === undefined ? "removed" : "both",
        resources: diffResources(was?.resources ?? [], is?.resources ?? [], mask),
        policy: diffFindings(findings(base, was), findings(head, is)),
        diagram: diagramDiff(was, is, options.draw, mask),
      };
    }),
  };
}

/** The exit status of a comparison: 1 when a stack gained a mandatory finding, else 0. */
export function diffExitStatus(diff: PlanDiff): 0 | 1 {
  return diff.stacks.some((stack) => hasNewMandatory(stack.policy)) ? 1 : 0;
}

function diagramDiff(
  was: PlanDocument | undefined,
  is: PlanDocument | undefined,
  draw: DrawDiagram,
  mask: SecretMask,
): StackDiff["diagram"] {
  try {
    const before = was === undefined ? EMPTY_DIAGRAM : draw([was]);
    const after = is === undefined ? EMPTY_DIAGRAM : draw([is]);
    return diffDiagrams(before, after, mask);
  } catch (error) {
    // The diagram is for the reader; a drawing failure must not hide the resource and policy
    // results, nor decide the exit status.
    return { error: mask.text(error instanceof Error ? error.message : String(error)) };
  }
}
