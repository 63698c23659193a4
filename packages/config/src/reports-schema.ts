import { z } from 'zod';
import { envName, hmacSecretEnv, httpUrl, isTimeZone } from './fields.ts';

/** Days a weekly report can be sent on. */
export const REPORT_DAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;

/** Formats a report can be rendered in; `focus` is the FOCUS 1.2-aligned CSV. */
export const REPORT_FORMATS = ['md', 'html', 'json', 'csv', 'focus'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/**
 * Where a report goes. `type` is the key alert receivers use too (see `AlertReceiverSchema`); the
 * Slack and webhook deliveries are sent as alert notifications are (retries, signing).
 */
export const ReportDeliverySchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('slack'),
      // The URL is a secret, so the config names the variable that holds it.
      webhook_url_env: envName.describe(
        'Environment variable holding the Slack incoming webhook URL.',
      ),
    })
    .strict(),
  z
    .object({
      type: z.literal('webhook'),
      url: httpUrl.describe('Receives a POST of the JSON report.'),
      hmac_secret_env: hmacSecretEnv,
    })
    .strict(),
  z
    .object({
      type: z.literal('directory'),
      path: z.string().min(1).describe('Directory the files are written to (created if missing).'),
    })
    .strict(),
]);
export type ReportDelivery = z.infer<typeof ReportDeliverySchema>;

/**
 * The `reports:` section of tokenwatch.yaml: when the weekly report runs, in which formats and
 * where it is delivered. The report covers the last complete ISO week in `schedule.timezone`.
 *
 * @example
 * reports:
 *   enabled: true
 *   schedule: { day: monday, time: '09:00', timezone: Europe/Berlin }
 *   formats: [md, html, focus]
 *   deliveries:
 *     - { type: slack, webhook_url_env: SLACK_WEBHOOK_URL }
 *     - { type: directory, path: ./reports }
 */
export const ReportsSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Run the weekly report from `serve`.'),
    tenants: z
      .array(z.string().min(1))
      .min(1)
      .default(['default'])
      .describe('Tenants to report on, one report each.'),
    schedule: z
      .object({
        day: z.enum(REPORT_DAYS).default('monday'),
        time: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a 24-hour time such as 09:00')
          .default('09:00'),
        timezone: z
          .string()
          .refine(isTimeZone, 'an IANA time zone such as UTC or Europe/Paris')
          .optional()
          .describe('Zone of the schedule and of the week; the top-level timezone when absent.'),
      })
      .strict()
      .default({ day: 'monday', time: '09:00' }),
    formats: z
      .array(z.enum(REPORT_FORMATS))
      .min(1)
      .default(['md', 'html'])
      .describe('Formats rendered; Slack always gets the Markdown summary.'),
    by: z
      .array(z.string())
      .optional()
      .describe('An extra attribution table by these dimensions together, e.g. [team, agent].'),
    deliveries: z.array(ReportDeliverySchema).default([]),
  })
  .strict();
export type ReportsConfig = z.infer<typeof ReportsSchema>;
