import { z } from "zod";
import { integer } from "../shared/settings";
import {
  MIN_DEAD_LETTER_MESSAGES,
  PROMETHEUS_BOUNDS,
  repeatedEmailIndexes,
} from "./observability-validation";

const positive = (error: string) =>
  z.number({ error }).positive({ error }).max(1_000_000, { error });

/** Alarms and Prometheus of a stack. */
export const observabilitySettingsSchema = z
  .strictObject({
    /** Email addresses subscribed to the alert topics. @default [] */
    alertEmails: z
      .array(
        z.string().regex(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i, { error: "expected an email address" }),
      )
      .max(20, { error: "expected at most 20 addresses" })
      // The alert topics refuse the same address twice (case aside): refused here, by its index.
      .superRefine((emails, ctx) => {
        for (const index of repeatedEmailIndexes(emails)) {
          ctx.addIssue({
            code: "custom",
            path: [index],
            input: emails[index],
            message: "listed twice (addresses are compared ignoring case)",
          });
        }
      })
      .default([]),
    /** Alarm thresholds; see components/operations/alarms.ts for each signal. */
    thresholds: z
      .strictObject({
        /** @default 10 */
        alb5xxPerMinute: positive("expected a positive number").default(10),
        /** @default 2 */
        albP95LatencySeconds: positive("expected a positive number of seconds").default(2),
        /** @default 900 */
        queueOldestMessageSeconds: positive("expected a positive number of seconds").default(900),
        /** @default 1 */
        deadLetterMessages: integer(MIN_DEAD_LETTER_MESSAGES, 1_000_000).default(1),
        /** @default 5 */
        lambdaErrors: positive("expected a positive number").default(5),
        /** @default 1 */
        lambdaThrottles: positive("expected a positive number").default(1),
        /** @default 1 */
        mediaConvertErrors: positive("expected a positive number").default(1),
        /** @default 80 */
        auroraCpuPercent: z
          .number({ error: "expected a percentage" })
          .min(1, { error: "expected a percentage from 1 to 100" })
          .max(100, { error: "expected a percentage from 1 to 100" })
          .default(80),
        /** @default 512 */
        auroraFreeableMemoryMiB: positive("expected a positive number of MiB").default(512),
        /** @default 10 */
        dynamoThrottledRequests: positive("expected a positive number").default(10),
        /** @default 1 */
        dynamoSystemErrors: positive("expected a positive number").default(1),
        /** @default 1 */
        cloudFront5xxRatePercent: z
          .number({ error: "expected a percentage" })
          .positive({ error: "expected a percentage above 0" })
          .max(100, { error: "expected a percentage up to 100" })
          .default(1),
      })
      .prefault({}),
    /** Prometheus on the analytics cluster. */
    prometheus: z
      .strictObject({
        /** @default 15 */
        retentionDays: integer(
          PROMETHEUS_BOUNDS.retentionDays.min,
          PROMETHEUS_BOUNDS.retentionDays.max,
        ).default(15),
        /** @default 100 */
        storageGiB: integer(PROMETHEUS_BOUNDS.minStorageGiB, 4096).default(100),
      })
      .prefault({}),
  })
  .prefault({});

/** The observability settings, every default resolved. */
export type ObservabilitySettings = z.output<typeof observabilitySettingsSchema>;
