/**
 * The plan of every real stack file, made once per test file and shared by its tests: planning a
 * stack runs the whole program, so tests read the plans rather than make their own.
 */
import { beforeAll } from "vitest";
import { planStack, type StackPlan } from "../tools/plan/document";
import { listStacks } from "../tools/plan/engine";

/** The real stacks (one per `Pulumi.<stack>.yaml`) and the plan of each. */
export interface StackPlans {
  readonly stacks: readonly string[];
  /** The plan of `stack`; throws when called before the plans are made (outside a test). */
  readonly planOf: (stack: string) => StackPlan;
}

/** Plans every real stack before the file's tests run (`beforeAll`), one after another. */
export function usePlansOfEveryStack(): StackPlans {
  const stacks = listStacks();
  const plans = new Map<string, StackPlan>();
  beforeAll(async () => {
    // One plan per stack, shared by every test in the file (runs are sequential by nature).
    for (const stack of stacks) {
      plans.set(stack, await planStack(stack));
    }
  });
  return {
    stacks,
    planOf: (stack) => {
      const plan = plans.get(stack);
      if (plan === undefined) {
        throw new Error(`no plan for ${stack}`);
      }
      return plan;
    },
  };
}
