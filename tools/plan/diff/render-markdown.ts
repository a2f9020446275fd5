/**
 * The plan diff as a pull-request comment: a marker line that finds the comment again on the next
 * push, the verdict, one summary line per stack, then per stack the new mandatory violations in
 * the open and the details in collapsible `<details>` sections. Everything the plan or the
 * program wrote (keys, values, messages, labels) sits in code blocks, where Markdown, HTML and
 * @-mentions are inert.
 *
 * GitHub refuses a comment body over 65,536 characters ("Body is too long (maximum is 65536
 * characters)", the REST API's create-an-issue-comment validation), so the comment is cut to
 * `COMMENT_MAX_CHARS` at a line boundary, with its open blocks closed and a note of what was cut.
 */
import { noDiagramChanges } from "./diagram";
import { diffExitStatus, type PlanDiff, type StackDiff } from "./plan-diff";
import {
  diagramLines,
  formatFinding,
  isUnchanged,
  newMandatoryCount,
  policyLines,
  resourceLines,
  summaryOf,
} from "./render-text";

/** The first line of the comment: how the workflow finds its own comment to update it. */
export const COMMENT_MARKER = "<!-- knowledgecity-plan-diff -->";

/** The longest comment written: under GitHub's 65,536, with room for what the workflow adds. */
export const COMMENT_MAX_CHARS = 65_000;

/** Options of the Markdown rendering. */
export interface MarkdownOptions {
  /**
   * The longest output in characters.
   * @default COMMENT_MAX_CHARS
   */
  readonly maxChars?: number;
  /**
   * The command that prints the whole diff, named in the note when the output is cut.
   * @default "npm run plan -- --diff <base>"
   */
  readonly command?: string;
}

/** One part of the comment, cut as a whole or line by line; `stack` names whose part it is. */
interface Section {
  readonly stack?: string;
  readonly lines: readonly string[];
}

/** The diff as a pull-request comment, cut to fit. */
export function renderMarkdown(diff: PlanDiff, options: MarkdownOptions = {}): string {
  const mandatory = newMandatoryCount(diff);
  const head: string[] = [
    COMMENT_MARKER,
    `### Offline plan compared with \`${inline(diff.base)}\``,
    "",
    diffExitStatus(diff) === 1
      ? `:x: **${mandatory} new mandatory policy violation(s)**: this check fails.`
      : ":white_check_mark: No new mandatory policy violation.",
    "",
    ...diff.stacks.map(
      (stack) =>
        `- \`${inline(stack.stack)}\`: ${isUnchanged(stack) ? "no differences" : summaryOf(stack)}`,
    ),
  ];
  const sections: Section[] = [
    { lines: head },
    ...diff.stacks
      .filter((stack) => !isUnchanged(stack))
      .map((stack) => ({ stack: stack.stack, lines: stackLines(stack) })),
  ];
  return cap(
    sections,
    options.maxChars ?? COMMENT_MAX_CHARS,
    options.command ?? "npm run plan -- --diff <base>",
  );
}

function stackLines(stack: StackDiff): string[] {
  const lines = ["", `#### \`${inline(stack.stack)}\`: ${summaryOf(stack)}`, ""];
  const mandatory = stack.policy.added.filter((f) => f.enforcement === "mandatory");
  if (mandatory.length > 0) {
    lines.push("New mandatory violations:", "", ...fenced(mandatory.map(formatFinding), "text"));
  }
  const resources = resourceLines(stack);
  if (resources.length > 0) {
    const { added, removed, changed, reparented } = stack.resources;
    lines.push(
      ...details(
        `Resources: ${added.length} added, ${removed.length} removed, ${changed.length} changed, ${reparented.length} re-parented`,
        fenced(resources, "diff"),
      ),
    );
  }
  const policy = policyLines(stack);
  if (policy.length > 0) {
    lines.push(
      ...details(
        `Policy: ${stack.policy.added.length} new, ${stack.policy.removed.length} gone`,
        fenced(policy, "diff"),
      ),
    );
  }
  if ("error" in stack.diagram || !noDiagramChanges(stack.diagram)) {
    lines.push(...details("Diagram", fenced(diagramLines(stack.diagram), "diff")));
  }
  return lines;
}

function details(summary: string, body: readonly string[]): string[] {
  return ["", "<details>", `<summary>${summary}</summary>`, "", ...body, "", "</details>"];
}

/** Lines in a code block whose fence is longer than any run of backticks inside. */
function fenced(lines: readonly string[], language: string): string[] {
  const longest = Math.max(0, ...lines.flatMap((l) => (l.match(/`+/g) ?? []).map((r) => r.length)));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return [`${fence}${language}`, ...lines, fence];
}

/** Text for an inline code span, which cannot hold a backtick. */
function inline(text: string): string {
  return text.replace(/`/g, "'");
}

/**
 * The sections joined, cut at a line boundary to at most `maxChars` characters when longer: open
 * code blocks and `<details>` are closed, and a note says how much was cut and which stacks.
 */
export function cap(sections: readonly Section[], maxChars: number, command: string): string {
  const all = sections.flatMap((s) => s.lines);
  const full = `${all.join("\n")}\n`;
  if (full.length <= maxChars) {
    return full;
  }
  const kept: string[] = [];
  let length = 0;
  let fence: string | undefined;
  let openDetails = 0;
  const cutStacks = new Set<string>();
  let cutLines = 0;
  const noteOf = (stacks: readonly string[], lines: number): string =>
    `\n**Output cut** to fit a comment: ${lines} more line(s) not shown${stacks.length > 0 ? `, of ${stacks.map((s) => `\`${inline(s)}\``).join(", ")}` : ""}. \`${inline(command)}\` prints everything.\n`;
  // Room for the closing lines and the longest note this output could need.
  const reserve =
    noteOf(
      sections.flatMap((s) => (s.stack === undefined ? [] : [s.stack])),
      all.length,
    ).length +
    "</details>\n".length * 8 +
    64;
  for (const section of sections) {
    for (const line of section.lines) {
      if (cutLines > 0 || length + line.length + 1 + reserve > maxChars) {
        cutLines += 1;
        if (section.stack !== undefined) {
          cutStacks.add(section.stack);
        }
        continue;
      }
      kept.push(line);
      length += line.length + 1;
      if (fence === undefined) {
        const opening = /^(`{3,})/.exec(line);
        if (opening?.[1] !== undefined) {
          fence = opening[1];
        } else if (line === "<details>") {
          openDetails += 1;
        } else if (line === "</details>") {
          openDetails -= 1;
        }
      } else if (line === fence) {
        fence = undefined;
      }
    }
  }
  const closing = [
    ...(fence === undefined ? [] : [fence]),
    ...Array.from({ length: openDetails }, () => "\n</details>"),
  ];
  return `${[...kept, ...closing].join("\n")}\n${noteOf([...cutStacks], cutLines)}`;
}
