/** What the job-settings tests share: a source and an output prefix, and readers of the settings. */
import type { JobSettings, Output, OutputGroup } from "@aws-sdk/client-mediaconvert";
import { expect } from "vitest";

export const INPUT =
  "s3://kc-video-raw-me-south-1/uploads/fin-101/3f6c2a9e-8b1d-4c57-9e2a-0d4b7f1a6c35/source.mp4";
export const PREFIX =
  "s3://kc-video-processed-me-south-1/courses/fin-101/3f6c2a9e-8b1d-4c57-9e2a-0d4b7f1a6c35/";

/** The one output group of `type`; fails the test when there is not exactly one. */
export function groupOfType(settings: JobSettings, type: string): OutputGroup {
  const groups = (settings.OutputGroups ?? []).filter(
    (group) => group.OutputGroupSettings?.Type === type,
  );
  expect(groups).toHaveLength(1);
  const [group] = groups;
  if (group === undefined) throw new Error(`no ${type} group`);
  return group;
}

/** The outputs of `group` that carry video. */
export const videoOutputs = (group: OutputGroup): Output[] =>
  (group.Outputs ?? []).filter((output) => output.VideoDescription !== undefined);

/** The outputs of `group` that carry audio. */
export const audioOutputs = (group: OutputGroup): Output[] =>
  (group.Outputs ?? []).filter((output) => output.AudioDescriptions !== undefined);
