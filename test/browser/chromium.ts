/**
 * Headless Chromium for the rendering tests: Debian's `chromium` package, installed when missing
 * and this process can (root with apt-get), driven by playwright-core. Without it the tests fail
 * with one line saying how to provide it; they never skip.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { aptInstall, canAptInstall, ensureInstalled } from "../local-tools";

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

const HINT = `headless Chromium is missing: install Debian's chromium package (apt-get install chromium) so that ${CHROMIUM_PATH} exists, or run the tests as root with apt-get`;

/**
 * Flags for a headless run on a machine without network: the background-networking,
 * component-update and sync flags stop Chromium from calling Google's services
 * (https://peter.sh/experiments/chromium-command-line-switches/); `--no-sandbox` because the
 * tests may run as root, where Chromium refuses its sandbox.
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
] as const;

/** The path of the Chromium binary: found, or installed with apt-get, or an error (HINT). */
export function ensureChromium(): string {
  return ensureInstalled(
    {
      find: () => (existsSync(CHROMIUM_PATH) ? CHROMIUM_PATH : undefined),
      canInstall: canAptInstall,
      install: () => {
        aptInstall(["--no-install-recommends", "chromium", "fonts-dejavu-core"], HINT);
      },
    },
    "chromium",
    HINT,
  );
}

/** Launches headless Chromium (installing it first when missing). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: ensureChromium(), args: [...CHROMIUM_ARGS] });
}
