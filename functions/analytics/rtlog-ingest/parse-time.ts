/**
 * Request times as `playback_requests` stores them: epoch seconds -> `YYYY-MM-DD hh:mm:ss` (UTC),
 * by integer arithmetic rather than a `Date` and `toISOString` per line (part of `parse.ts`).
 */

/** The last second formatted and its text; the last day and its `YYYY-MM-DD`. */
let cachedSecond = -1;
let cachedDateTime = "";
let cachedDay = -1;
let cachedDate = "";

/**
 * `1602646738` -> `2020-10-14 03:38:58`: whole epoch seconds of the years 2000-2105 (the range
 * `parse.ts` accepts; four-digit years). A stream's lines come in time order, many a second, so
 * the last second and the last day formatted are kept.
 */
export function dateTimeText(seconds: number): string {
  if (seconds !== cachedSecond) {
    const day = Math.floor(seconds / 86_400);
    if (day !== cachedDay) {
      cachedDay = day;
      cachedDate = civilDate(day);
    }
    const secondOfDay = seconds - day * 86_400;
    const hours = Math.floor(secondOfDay / 3600);
    const minutes = Math.floor((secondOfDay % 3600) / 60);
    cachedSecond = seconds;
    cachedDateTime = `${cachedDate} ${twoDigits(hours)}:${twoDigits(minutes)}:${twoDigits(secondOfDay % 60)}`;
  }
  return cachedDateTime;
}

/**
 * `YYYY-MM-DD` of a day counted from 1970-01-01, by the days-to-civil algorithm (Howard Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms"): years are counted from March, so the leap day is
 * the last day of a year, and eras of 400 years repeat exactly. Years here are 2000-2105.
 */
function civilDate(daysSinceEpoch: number): string {
  const days = daysSinceEpoch + 719_468; // since 0000-03-01
  const era = Math.floor(days / 146_097);
  const dayOfEra = days - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = era * 400 + yearOfEra + (month <= 2 ? 1 : 0);
  return `${year}-${twoDigits(month)}-${twoDigits(day)}`;
}

function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
