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
    name: "a trick-play task with less memory than Fargate pairs with its CPU",
    mutations: [set("knowledgecity:video", { trickPlay: { cpu: 2048, memoryMb: 2048 } })],
    key: "knowledgecity:video.trickPlay.memoryMb",
    value: "2048",
    allowed: "expected 4096 to 16384 MiB, what Fargate pairs with 2048 CPU units",
  },
  {
    name: "a trick-play deadline beyond four hours",
    mutations: [set("knowledgecity:video", { trickPlay: { deadlineSeconds: 20000 } })],
    key: "knowledgecity:video.trickPlay.deadlineSeconds",
    value: "20000",
    allowed: "expected an integer from 30 to 14400",
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
