/**
 * Test support: the ranges and filters the QoE and buffer answer tests compare the API's answers
 * over, for data from 1 Nov 2026 00:00 UTC with hours built through 4 Nov 03:00 and days through
 * 4 Nov 00:00.
 */
import type { QoeQuery } from "./requests";

/** An instant of the test data sets, written without its `Z`: `at("2026-11-04T03:05")`. */
export const at = (text: string): Date => new Date(`${text}Z`);

/**
 * The ranges the rollup tests compare over data from 1 Nov 00:00 with hours built through 4 Nov
 * 03:00 and days through 4 Nov 00:00: built and aligned, unaligned across both marks, hours inside
 * one day.
 */
export const QOE_TEST_RANGES = {
  aligned: { from: at("2026-11-01T00:00"), to: at("2026-11-04T03:00") },
  acrossMarks: { from: at("2026-11-01T05:20"), to: at("2026-11-04T05:40") },
  hours: { from: at("2026-11-02T07:00"), to: at("2026-11-02T19:00") },
};

/** Filters on no, one, two and three dimensions: the total, slices, the cube and its copies. */
export const QOE_TEST_FILTERS: readonly Pick<QoeQuery, "courseId" | "country" | "edge">[] = [
  {},
  { courseId: "law-200" },
  { country: "AE" },
  { edge: "IAD89-C2" },
  { courseId: "fin-101", country: "SA" },
  { country: "US", edge: "DXB52-P1" },
  { courseId: "med-300", country: "AE", edge: "RUH52-P1" },
];
