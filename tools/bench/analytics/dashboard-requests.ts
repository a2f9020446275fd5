/** The mix of dashboard requests the API is loaded with. */
import { COUNTRIES, COURSES, DAY_MS, HOUR_MS, pick, random } from "./traffic-model";

/** Distinct requests in the load's mix. */
export const LOAD_REQUESTS = 240;

/**
 * The dashboard's requests over data ending at `endMs`, `count` distinct ones drawn from a fixed
 * seed: a QoE route (summary, breakdown by course, country or edge, rendition mix) with no filter,
 * one or two (one of the busiest courses and countries), over the last day, week or month as a
 * page opened up to a day after the data's end asks for it (whole hours; the API's planner picks
 * the source). Every request is distinct so that neither the answer cache nor the sharing of
 * identical requests in flight answers it: each one reaches ClickHouse.
 */
export function dashboardRequests(endMs: number, count: number = LOAD_REQUESTS): string[] {
  const next = random(2026);
  const courses = COURSES.slice(0, 8);
  const countries = COUNTRIES.slice(0, 4);
  const routes: readonly ((filters: string) => string)[] = [
    (filters) => `/v1/qoe/summary?${filters}`,
    (filters) => `/v1/qoe/breakdown?${filters}&by=course&limit=20`,
    (filters) => `/v1/qoe/breakdown?${filters}&by=country`,
    (filters) => `/v1/qoe/breakdown?${filters}&by=edge`,
    (filters) => `/v1/qoe/renditions?${filters}`,
  ];
  const paths = new Set<string>();
  while (paths.size < count) {
    const to = endMs - Math.floor(next() * 24) * HOUR_MS;
    const days = pick([1, 7, 30], next());
    let filters = `from=${new Date(to - days * DAY_MS).toISOString()}&to=${new Date(to).toISOString()}`;
    const filtering = next();
    if (filtering >= 0.5) filters += `&courseId=${pick(courses, next())}`;
    if (filtering < 0.25 || filtering >= 0.75) filters += `&country=${pick(countries, next())}`;
    paths.add(pick(routes, next())(filters));
  }
  return [...paths];
}
