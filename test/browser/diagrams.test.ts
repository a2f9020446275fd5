/**
 * The plan's diagrams rendered by Mermaid in headless Chromium with Mermaid's default settings,
 * as GitHub renders a ```mermaid block: the architecture of each stack and of both, every
 * component's detail, and inputs Mermaid must refuse, so a refusal is seen when it happens.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { architectureDiagram, componentDiagram, toMermaid } from "../../tools/plan/diagram/model";
import { className, StackIndex } from "../../tools/plan/diagram/plan-index";
import { fullResourceDiagram as fullResourceGraph } from "../full-resource-diagram";
import { usePlansOfEveryStack } from "../stack-plans";
import { launchChromium } from "./chromium";
import { openMermaidPage, renderMermaid, type RenderResult } from "./mermaid-page";

/**
 * The widest a stack's architecture may render, in CSS pixels at Mermaid's default 16 px font:
 * a 2560-pixel (QHD) screen shows it at full size; wider, its text would have to shrink.
 */
const MAX_STACK_WIDTH_PX = 2560;

/** What Mermaid draws instead of a diagram whose text is over `maxTextSize`, without failing. */
const TEXT_SIZE_PLACEHOLDER = "Maximum text size in diagram exceeded";

let browser: Browser | undefined;
let page: Page;
let renders = 0;
let opening: Promise<Page> | undefined;

// Chromium starts and loads Mermaid while the stacks are planned (the next hook).
beforeAll(() => {
  opening = launchChromium().then(async (launched) => {
    browser = launched;
    return openMermaidPage(launched);
  });
  // Awaited below; this keeps a failure from being reported twice.
  opening.catch(() => undefined);
  // Installing Chromium with apt-get on a fresh machine takes a while.
}, 300_000);

const { stacks, planOf } = usePlansOfEveryStack();

beforeAll(async () => {
  page = await (opening ?? Promise.reject(new Error("Chromium was never launched")));
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

/** Renders a diagram's text, each with its own element id. */
async function render(text: string): Promise<RenderResult> {
  renders += 1;
  return renderMermaid(page, text, `diagram-${renders}`);
}

/** The failure of a render, or undefined when Mermaid drew the diagram. */
function failure(result: RenderResult): string | undefined {
  if (!result.ok) {
    return result.error;
  }
  return result.svg.includes(TEXT_SIZE_PLACEHOLDER) ? TEXT_SIZE_PLACEHOLDER : undefined;
}

const documents = () => stacks.map((stack) => planOf(stack).document);

describe("Mermaid in a browser, with its defaults", () => {
  it("renders each stack's architecture no wider than a screen", async () => {
    for (const stack of stacks) {
      const result = await render(toMermaid(architectureDiagram([planOf(stack).document])));
      expect(failure(result), stack).toBeUndefined();
      const width = result.ok ? result.width : Number.NaN;
      expect(width, stack).toBeGreaterThan(500);
      expect(width, stack).toBeLessThanOrEqual(MAX_STACK_WIDTH_PX);
    }
  });

  it("renders the architecture of both stacks, each stack no wider than a screen", async () => {
    const result = await render(toMermaid(architectureDiagram(documents())));
    expect(failure(result)).toBeUndefined();
    expect(result.ok && result.width).toBeLessThanOrEqual(MAX_STACK_WIDTH_PX * stacks.length);
  });

  it("renders every component's detail in both stacks", async () => {
    const names = new Set<string>();
    for (const document of documents()) {
      const index = new StackIndex(document);
      for (const component of [...index.components, index.composition]) {
        names.add(className(component.resource.type));
      }
    }
    expect(names.size).toBeGreaterThanOrEqual(15);
    const failures: string[] = [];
    for (const name of [...names].sort()) {
      const problem = failure(await render(toMermaid(componentDiagram(documents(), name))));
      if (problem !== undefined) {
        failures.push(`${name}: ${problem}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("sees Mermaid refuse what it refuses: too many edges, too much text, a syntax error", async () => {
    // The diagram `--format mermaid` drew before, every resource type of every component: for
    // one stack alone its text is within the limit, its edges are not.
    const full = fullResourceGraph([planOf("me-south-1")]);
    expect(full.length).toBeLessThan(50_000);
    expect(failure(await render(full))).toMatch(
      /^Edge limit exceeded\. 500 edges found, but the limit is 500\./,
    );
    // Both stacks: over the text limit, which Mermaid answers with a placeholder, not an error.
    expect(failure(await render(fullResourceGraph(stacks.map(planOf))))).toBe(
      TEXT_SIZE_PLACEHOLDER,
    );
    expect(failure(await render("flowchart TB\n  a[unclosed --> b\n"))).toMatch(/Parse error/);
  });
});
