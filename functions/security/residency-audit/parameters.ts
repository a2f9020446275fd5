/**
 * The rule's parameters (`ruleParameters`, JSON text set on the AWS Config rule): the allowed
 * regions, the home regions of the directory, and, for the account-wide audit, every
 * jurisdiction's allowed regions. Each problem is an `InvalidRuleParametersError` naming the
 * parameter, its value and an example of what is expected.
 */
import { REGION_CODE_PATTERN } from "../../../contracts/ids";
import { InvalidRuleParametersError, quote } from "./errors";
import { isRecord } from "./configuration-item";

/** Whether a string is an AWS region code such as `me-south-1`, `us-gov-west-1`, `us-iso-east-1`. */
export function isRegionCode(value: string): boolean {
  return REGION_CODE_PATTERN.test(value);
}

const PARAMETERS_EXAMPLE =
  '{"allowedRegions":"me-south-1"} or {"allowedRegions":"us-east-1,us-west-2"}';

/**
 * Parses the rule parameters (JSON text, e.g. `{"allowedRegions":"me-south-1"}`) into the list of
 * allowed region codes, without duplicates, in the order given.
 */
export function parseRuleParameters(text: string | undefined): readonly string[] {
  if (text === undefined || text.trim() === "") {
    throw new InvalidRuleParametersError(
      `ruleParameters is missing; expected JSON text such as ${PARAMETERS_EXAMPLE}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidRuleParametersError(
      `ruleParameters = ${quote(text)} is not valid JSON; expected JSON text such as ${PARAMETERS_EXAMPLE}`,
    );
  }
  if (!isRecord(parsed)) {
    throw new InvalidRuleParametersError(
      `ruleParameters = ${quote(text)} is not a JSON object; expected ${PARAMETERS_EXAMPLE}`,
    );
  }
  const value = parsed.allowedRegions;
  if (value === undefined) {
    throw new InvalidRuleParametersError(
      `ruleParameters.allowedRegions is missing (ruleParameters = ${quote(text)}); expected ${PARAMETERS_EXAMPLE}`,
    );
  }
  if (typeof value !== "string") {
    throw new InvalidRuleParametersError(
      `ruleParameters.allowedRegions = ${quote(value)}: expected a string of comma-separated region codes, such as "me-south-1" or "us-east-1,us-west-2"`,
    );
  }
  const regions = value.split(",").map((entry) => entry.trim());
  for (const region of regions) {
    if (!isRegionCode(region)) {
      throw new InvalidRuleParametersError(
        `ruleParameters.allowedRegions = ${quote(value)}: ${quote(region)} is not an AWS region code; expected comma-separated region codes, such as "me-south-1" or "us-east-1,us-west-2"`,
      );
    }
  }
  return [...new Set(regions)];
}

const HOME_REGIONS_EXAMPLE = '{"allowedRegions":"us-east-1","homeRegions":"me-south-1,us-east-1"}';

/**
 * Reads the optional `homeRegions` rule parameter (comma-separated region codes): where the
 * home-region directory may live. Undefined when absent, so directory tables are then findings
 * (their placement cannot be proven).
 */
export function parseHomeRegions(text: string | undefined): readonly string[] | undefined {
  let parsed: unknown;
  try {
    parsed = text === undefined ? undefined : JSON.parse(text);
  } catch {
    // parseRuleParameters reports text that is not JSON.
    return undefined;
  }
  const value = isRecord(parsed) ? parsed.homeRegions : undefined;
  if (value === undefined) {
    return undefined;
  }
  const regions = typeof value === "string" ? value.split(",").map((entry) => entry.trim()) : [];
  const bad = regions.find((region) => !isRegionCode(region));
  if (typeof value !== "string" || bad !== undefined) {
    throw new InvalidRuleParametersError(
      `ruleParameters.homeRegions = ${quote(value)}: expected comma-separated region codes, such as ${HOME_REGIONS_EXAMPLE}`,
    );
  }
  return [...new Set(regions)];
}

/** Where each jurisdiction's user data may live: jurisdiction code -> region codes. */
export type JurisdictionRegions = Readonly<Record<string, readonly string[]>>;

const JURISDICTIONS_EXAMPLE = '{"jurisdictionRegions":"SA=me-south-1;US=us-east-1,us-west-2"}';

/**
 * Reads the `jurisdictionRegions` rule parameter (`SA=me-south-1;US=us-east-1,us-west-2`), which
 * the account-wide audit needs to judge every jurisdiction's user data; undefined when absent.
 */
export function parseJurisdictionRegions(
  text: string | undefined,
): JurisdictionRegions | undefined {
  if (text === undefined || text.trim() === "") {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidRuleParametersError(
      `ruleParameters = ${quote(text)} is not valid JSON; expected JSON text such as ${JURISDICTIONS_EXAMPLE}`,
    );
  }
  const value = isRecord(parsed) ? parsed.jurisdictionRegions : undefined;
  if (value === undefined) {
    return undefined;
  }
  const expected = `expected jurisdiction=regions pairs separated by ";", such as ${JURISDICTIONS_EXAMPLE}`;
  if (typeof value !== "string" || value.trim() === "") {
    throw new InvalidRuleParametersError(
      `ruleParameters.jurisdictionRegions = ${quote(value)}: ${expected}`,
    );
  }
  const map: Record<string, readonly string[]> = {};
  for (const pair of value.split(";")) {
    const [code, regions, ...rest] = pair.split("=").map((part) => part.trim());
    const list = (regions ?? "").split(",").map((region) => region.trim());
    const bad = list.find((region) => !isRegionCode(region));
    if (code === undefined || !/^[A-Z]{2}$/.test(code) || rest.length > 0 || bad !== undefined) {
      throw new InvalidRuleParametersError(
        `ruleParameters.jurisdictionRegions = ${quote(value)}: ${quote(pair)} is not a two-letter jurisdiction code = comma-separated region codes; ${expected}`,
      );
    }
    if (map[code] !== undefined) {
      throw new InvalidRuleParametersError(
        `ruleParameters.jurisdictionRegions = ${quote(value)}: jurisdiction ${code} appears twice; ${expected}`,
      );
    }
    map[code] = [...new Set(list)];
  }
  return map;
}
