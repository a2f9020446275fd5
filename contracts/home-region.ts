/**
 * Where an account is kept, decided once for the infrastructure and the `home-region` function:
 * by the country its sign-up declares. Each home region keeps the accounts of the countries its
 * stack routes to itself by geolocation (`dns.geolocation.countries`, the countries residency
 * binds to its jurisdiction); the region that holds the geolocation default keeps every other
 * country's. The stacks hand the map to the function as `COUNTRY_HOME_REGIONS`.
 */

/** The default location: every country no region lists (Route 53's default record is `*` too). */
export const OTHER_COUNTRIES = "*";

/** An ISO 3166-1 alpha-2 country code in capitals, as sign-ups declare it and Route 53 takes it. */
export const COUNTRY_CODE_PATTERN = /^[A-Z]{2}$/;

/** One home region's geolocation: the countries its stack serves, and whether it holds the default. */
export interface HomeRegionGeolocation {
  readonly countries: readonly string[];
  readonly default: boolean;
}

/**
 * Country code (or `*` for every other country) to the home region that keeps the accounts
 * signing up from it. Exactly one entry is `*`.
 */
export type CountryHomeRegions = Readonly<Record<string, string>>;

/**
 * The country map of every home region's geolocation, or the problems that make one impossible:
 * a country two regions list, no region or two regions holding the default, a malformed code.
 */
export function countryHomeRegions(
  geolocation: Readonly<Record<string, HomeRegionGeolocation>>,
): { map: CountryHomeRegions } | { problems: string[] } {
  const map: Record<string, string> = {};
  const problems: string[] = [];
  const regions = Object.keys(geolocation).sort();
  for (const region of regions) {
    for (const country of geolocation[region]?.countries ?? []) {
      const other = map[country];
      if (!COUNTRY_CODE_PATTERN.test(country)) {
        problems.push(
          `${region} lists ${JSON.stringify(country)}: expected an ISO 3166-1 alpha-2 code in capitals`,
        );
      } else if (other !== undefined) {
        problems.push(`${country} is listed by both ${other} and ${region}: one home region each`);
      } else {
        map[country] = region;
      }
    }
  }
  const defaults = regions.filter((region) => geolocation[region]?.default === true);
  if (defaults.length !== 1) {
    problems.push(
      defaults.length === 0
        ? "no home region holds the default: the accounts of unlisted countries would have no home"
        : `${defaults.join(" and ")} both hold the default: exactly one home region may`,
    );
  } else {
    map[OTHER_COUNTRIES] = defaults[0] ?? "";
  }
  return problems.length > 0 ? { problems } : { map };
}

/** The home region that keeps the accounts of `country`: its own entry, else the default's. */
export function homeRegionOfCountry(map: CountryHomeRegions, country: string): string | undefined {
  return Object.hasOwn(map, country) ? map[country] : map[OTHER_COUNTRIES];
}
