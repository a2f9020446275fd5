import { type BadCase, set } from "../config-test-support";

/** Bad configurations of the video pipeline (components/video/settings.ts), and the problem each raises. */
export const videoCases: readonly BadCase[] = [
  {
    name: "a video task whose image is not in ECR",
    mutations: [
      set("knowledgecity:video", {
        tasks: [{ name: "transcripts", image: "docker.io/whisper:latest" }],
      }),
    ],
    key: "knowledgecity:video.tasks[0].image",
    value: '"docker.io/whisper:latest"',
    allowed: "expected an ECR image URI with a tag or digest",
  },
  {
    name: "an upload limit above what one POST can carry",
    mutations: [set("knowledgecity:video", { maxUploadGiB: 10 })],
    key: "knowledgecity:video.maxUploadGiB",
    value: "10",
    allowed: "expected an integer from 1 to 5",
  },
  {
    name: "a ladder whose bitrates go down",
    mutations: [
      set("knowledgecity:video", {
        ladder: [
          { width: 1280, height: 720, maxBitrateKbps: 2500 },
          { width: 640, height: 360, maxBitrateKbps: 400 },
        ],
      }),
    ],
    key: "knowledgecity:video.ladder[1].maxBitrateKbps",
    value: "400",
    allowed: "expected more than the rung below (2500)",
  },
];
