/**
 * Mermaid rendering in a real browser: a blank page with the installed `mermaid.min.js`,
 * initialised with Mermaid's defaults (only `startOnLoad: false`, so nothing renders by itself),
 * and `mermaid.render` called on a diagram's text as GitHub and the Mermaid CLI would.
 */
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { PROJECT_ROOT } from "../../tools/plan/engine";

/** Mermaid's browser bundle as npm installed it. */
export const MERMAID_BUNDLE = join(
  PROJECT_ROOT,
  "node_modules",
  "mermaid",
  "dist",
  "mermaid.min.js",
);

/** What rendering one diagram gave: the SVG and its natural size, or Mermaid's error. */
export type RenderResult =
  | { readonly ok: true; readonly svg: string; readonly width: number; readonly height: number }
  | { readonly ok: false; readonly error: string };

/** The global the bundle defines, as far as these tests use it. */
interface MermaidGlobal {
  initialize(config: { startOnLoad: boolean }): void;
  render(id: string, text: string): Promise<{ svg: string }>;
}

/** A page with Mermaid loaded and initialised with its defaults. */
export async function openMermaidPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  // No network: the page is blank and the bundle is read from disk.
  await page.route("**/*", (route) => route.abort());
  await page.setContent("<!doctype html><html><body></body></html>");
  await page.addScriptTag({ path: MERMAID_BUNDLE });
  await page.evaluate(() => {
    (globalThis as unknown as { mermaid: MermaidGlobal }).mermaid.initialize({
      startOnLoad: false,
    });
  });
  return page;
}

/**
 * Renders one diagram. The natural width and height are the SVG's viewBox (Mermaid sets
 * `width="100%"` and a `max-width` of the same size).
 */
export async function renderMermaid(
  page: Page,
  text: string,
  id = "diagram",
): Promise<RenderResult> {
  return page.evaluate(
    async ({ id, text }): Promise<RenderResult> => {
      const mermaid = (globalThis as unknown as { mermaid: MermaidGlobal }).mermaid;
      try {
        const { svg } = await mermaid.render(id, text);
        const viewBox = /viewBox="([-\d.e]+) ([-\d.e]+) ([\d.e]+) ([\d.e]+)"/.exec(svg);
        return {
          ok: true,
          svg,
          width: Number(viewBox?.[3] ?? Number.NaN),
          height: Number(viewBox?.[4] ?? Number.NaN),
        };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    },
    { id, text },
  );
}
