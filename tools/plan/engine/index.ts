/**
 * The shared harness: runs the real program for a stack file under the mock engine. Tests and
 * the offline plan both come through here.
 */
import { program } from "../../../stacks/program";
import { runInMockEngine, type EngineRun } from "./engine";
import {
  PROJECT_ROOT,
  projectName,
  readStackFile,
  type StackFile,
} from "../../../stacks/stack-files";

export { runInMockEngine, type EngineRun, type RecordedResource } from "./engine";
export {
  listStacks,
  readStackFile,
  projectName,
  PROJECT_ROOT,
  type StackFile,
} from "../../../stacks/stack-files";
export { Recorded, record, list, json } from "./query";
export {
  platformProviders,
  runComponent,
  TEST_CONTEXT,
  type ComponentRunOptions,
} from "./component";

/** Runs the program for `Pulumi.<stack>.yaml`, optionally with config keys overridden. */
export async function runStack(
  stack: string,
  overrides: Readonly<Record<string, string>> = {},
  root: string = PROJECT_ROOT,
): Promise<EngineRun> {
  const file: StackFile = readStackFile(stack, root);
  return runInMockEngine({
    project: projectName(root),
    stack,
    config: { ...file.config, ...overrides },
    secretKeys: file.secretKeys,
    program,
  });
}
