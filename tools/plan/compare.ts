/**
 * Compares two saved offline plans (`npm run plan -- --format json --out FILE`), for a change that
 * must leave the plan as it is (a refactoring, a rename carried by `aliases`):
 *
 *   npx tsx tools/plan/compare.ts BEFORE.json AFTER.json
 *
 * Prints what `npm run plan -- --diff BEFORE.json` prints (./diff) and exits 1 when anything
 * differs (resources, policy results, the diagram), 0 when the plans agree, 2 on bad usage or a
 * file that is not a plan. To compare this checkout with a branch or a saved plan, gated on new
 * mandatory violations only, use `npm run plan -- --diff BASE`.
 */
import { architectureDiagram } from "./diagram/model";
import { BaseError, readSavedPlan } from "./diff/base";
import { diffPlans } from "./diff/plan-diff";
import { isUnchanged, renderText } from "./diff/render-text";

if (require.main === module) {
  const [beforePath, afterPath, ...rest] = process.argv.slice(2);
  if (beforePath === undefined || afterPath === undefined || rest.length > 0) {
    console.error("usage: tsx tools/plan/compare.ts BEFORE.json AFTER.json");
    process.exit(2);
  }
  try {
    const side = (path: string) => ({ documents: readSavedPlan(path), iamFailures: {} });
    const diff = diffPlans(side(beforePath), side(afterPath), {
      baseLabel: beforePath,
      draw: architectureDiagram,
    });
    process.stdout.write(renderText(diff));
    process.exit(diff.stacks.every(isUnchanged) ? 0 : 1);
  } catch (error) {
    if (error instanceof BaseError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}
