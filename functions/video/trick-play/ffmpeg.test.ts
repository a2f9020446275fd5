import { describe, expect, it } from "vitest";
import { ffmpegArgs, filterGraph, runProcess } from "./ffmpeg";
import { planTrickPlay } from "./plan";

const NODE = process.execPath;
const never = new AbortController().signal;

describe("ffmpegArgs", () => {
  it("decodes the first video stream only and numbers bit-exact sheets from 0", () => {
    const plan = planTrickPlay(25_000, { width: 640, height: 360 });
    const args = ffmpegArgs({
      inputPath: "/w/input.mp4",
      outputDir: "/w/sheets",
      plan,
      signal: never,
    });
    expect(args.slice(0, 6)).toEqual([
      "-nostdin",
      "-hide_banner",
      "-loglevel",
      "error",
      "-i",
      "/w/input.mp4",
    ]);
    expect(args.at(-1)).toBe("/w/sheets/sprite-%d.jpg");
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect(after("-map")).toBe("0:v:0");
    expect(after("-vf")).toBe(
      "fps=1/2:round=up,scale=160:90,setsar=1,tpad=stop_mode=clone:stop=13,trim=end_frame=13,tile=10x2",
    );
    expect(after("-frames:v")).toBe("1");
    expect(after("-start_number")).toBe("0");
    expect(after("-fflags")).toBe("+bitexact");
  });

  it("tiles by the plan's grid and interval", () => {
    const plan = planTrickPlay(3_600_000, { width: 1080, height: 1920 });
    expect(filterGraph(plan)).toBe(
      "fps=1/4:round=up,scale=160:284,setsar=1,tpad=stop_mode=clone:stop=900,trim=end_frame=900,tile=10x10",
    );
  });
});

describe("runProcess", () => {
  it("resolves when the program exits with 0, arguments passed without a shell", async () => {
    await expect(
      runProcess(
        NODE,
        ["-e", "process.exit(process.argv[1] === '$(x); y' ? 0 : 3)", "$(x); y"],
        10_000,
        never,
      ),
    ).resolves.toBeUndefined();
  });

  it("reports a non-zero exit with the last lines of the log", async () => {
    const script = "for (let i = 1; i <= 8; i++) console.error('line ' + i); process.exit(2)";
    await expect(runProcess(NODE, ["-e", script], 10_000, never)).rejects.toMatchObject({
      reason: "ffmpeg-failed",
      message: `${NODE} exited with status 2: line 4 | line 5 | line 6 | line 7 | line 8`,
    });
  });

  it("kills the program at its timeout", async () => {
    const started = Date.now();
    await expect(
      runProcess(NODE, ["-e", "setTimeout(() => {}, 60000)"], 300, never),
    ).rejects.toMatchObject({
      reason: "deadline-exceeded",
      message: `${NODE} was stopped by its 300 ms timeout`,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("kills the program when the run's deadline aborts it, and starts nothing after", async () => {
    const controller = new AbortController();
    const running = runProcess(
      NODE,
      ["-e", "setTimeout(() => {}, 60000)"],
      60_000,
      controller.signal,
    );
    setTimeout(() => {
      controller.abort();
    }, 200);
    await expect(running).rejects.toMatchObject({
      reason: "deadline-exceeded",
      message: `${NODE} was stopped by the run's deadline`,
    });
    await expect(runProcess(NODE, ["-e", ""], 1000, controller.signal)).rejects.toMatchObject({
      reason: "deadline-exceeded",
    });
  });

  it("reports a program that cannot start", async () => {
    await expect(runProcess("/nonexistent/ffmpeg", [], 1000, never)).rejects.toMatchObject({
      reason: "ffmpeg-failed",
      message: expect.stringMatching(/^\/nonexistent\/ffmpeg could not start: .*ENOENT/) as unknown,
    });
  });
});
