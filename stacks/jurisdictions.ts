/**
 * Where each jurisdiction's user data may live, defined once for the program. A stack declares its
 * `knowledgecity:jurisdiction`; its region and every entry of `knowledgecity:allowedRegions` must
 * be regions of that jurisdiction, so no stack file can widen residency by itself (config load
 * refuses it, see stacks/config.ts). Adding a jurisdiction means adding it here, with its source.
 *
 * Region names and places are AWS's: the endpoint metadata shipped with the AWS SDK for
 * JavaScript v3 (`@aws-sdk/core`, util-endpoints partitions) describes me-south-1 as "Middle East
 * (Bahrain)", me-central-1 as "Middle East (UAE)" and me-west-1 as "Middle East (Saudi Arabia)";
 * https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html lists them.
 */

/** One jurisdiction's residency: the regions its user data may live in, and why. */
export interface JurisdictionResidency {
  /** The jurisdiction's name, for messages. */
  readonly name: string;
  /** Every AWS region where user data of this jurisdiction may be kept, replicated or backed up. */
  readonly regions: readonly string[];
  /**
   * The regions among `regions` that lie outside the jurisdiction's territory: keeping data there
   * is a transfer, lawful only on the transfer basis that `basis` names.
   */
  readonly outsideTerritory: readonly string[];
  /** The legal source and the basis the regions rely on (documented in the README). */
  readonly basis: string;
}

export const JURISDICTIONS: Readonly<Record<string, JurisdictionResidency>> = {
  /**
   * Saudi Arabia. The Personal Data Protection Law (Royal Decree M/19 of 9/2/1443H, amended by
   * M/148 of 5/9/1444H), Article 29, allows a transfer outside the Kingdom only for its listed
   * purposes and conditions; the Regulation on Personal Data Transfer outside the Kingdom (SDAIA,
   * amended September 2024) sets the bases: an adequacy decision or appropriate safeguards
   * (standard contractual clauses, binding common rules, a certificate of accreditation).
   * me-west-1 is AWS's region in the Kingdom. me-south-1, where the Saudi stack runs today, is in
   * Bahrain: the stack relies on such a transfer basis there, which the controller must put in
   * place and document (no adequacy decision is assumed). Moving the stack to me-west-1 removes
   * the transfer.
   */
  SA: {
    name: "Saudi Arabia",
    regions: ["me-south-1", "me-west-1"],
    outsideTerritory: ["me-south-1"],
    basis:
      "PDPL Art. 29 and the Regulation on Personal Data Transfer outside the Kingdom: me-west-1 is in the Kingdom; me-south-1 (Bahrain) relies on a documented transfer basis",
  },
  /**
   * United States. No federal law localises this platform's user data; keeping US users' data in
   * the US commercial regions is the platform's own commitment (its privacy notice and contracts),
   * enforced here like a legal one. GovCloud regions are another partition and not included.
   */
  US: {
    name: "United States",
    regions: ["us-east-1", "us-east-2", "us-west-1", "us-west-2"],
    outsideTerritory: [],
    basis:
      "the platform's commitment to keep US users' data in US regions (no federal localisation law)",
  },
};

/** Every jurisdiction's regions, as a plain map (what the account-wide audit's parameters take). */
export function jurisdictionRegions(): Record<string, readonly string[]> {
  return Object.fromEntries(
    Object.entries(JURISDICTIONS).map(([code, residency]) => [code, [...residency.regions]]),
  );
}

/** A problem with a stack's jurisdiction and regions: the config path, the value and what is wrong. */
export interface JurisdictionProblem {
  readonly path: readonly (string | number)[];
  readonly input: unknown;
  readonly message: string;
}

/**
 * What is wrong with a stack's jurisdiction and regions: a jurisdiction with no regions defined,
 * a stack region outside its jurisdiction (reported once, on the jurisdiction, since every region
 * of the stack is then suspect), or an allowed region outside it (one problem per entry).
 */
export function jurisdictionProblems(config: {
  readonly region: string;
  readonly jurisdiction: string;
  readonly allowedRegions: readonly string[];
}): JurisdictionProblem[] {
  const residency = JURISDICTIONS[config.jurisdiction];
  if (residency === undefined) {
    return [
      {
        path: ["jurisdiction"],
        input: config.jurisdiction,
        message: `no residency regions are defined for this jurisdiction; defined: ${Object.keys(JURISDICTIONS).join(", ")} (add it to stacks/jurisdictions.ts with its legal source)`,
      },
    ];
  }
  const allowed = residency.regions.join(", ");
  if (!residency.regions.includes(config.region)) {
    const owner = Object.entries(JURISDICTIONS).find(([, other]) =>
      other.regions.includes(config.region),
    )?.[0];
    return [
      {
        path: ["jurisdiction"],
        input: config.jurisdiction,
        message: `the stack deploys to ${config.region} (aws:region), which is not a region of ${config.jurisdiction}; ${config.jurisdiction} allows ${allowed}${owner === undefined ? "" : `, and ${config.region} belongs to ${owner}`}`,
      },
    ];
  }
  return config.allowedRegions.flatMap((region, index) =>
    residency.regions.includes(region)
      ? []
      : [
          {
            path: ["allowedRegions", index],
            input: region,
            message: `outside the regions of jurisdiction ${config.jurisdiction} (knowledgecity:jurisdiction); ${config.jurisdiction} allows ${allowed}`,
          },
        ],
  );
}
