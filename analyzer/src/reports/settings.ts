/**
 * @module
 * The shape of the config's `reports:` section as `ReportsSchema` (packages/config/src/
 * reports-schema.ts) outputs it. Declared structurally here because the config package's barrel
 * does not export that schema yet; the resolved config is assignable to these types.
 */

/** Formats a report can be rendered in; `focus` is the FOCUS 1.2-aligned CSV. */
export type ReportFormat = 'md' | 'html' | 'json' | 'csv' | 'focus';

/** Where a report goes. */
export type ReportDelivery =
  | { type: 'slack'; webhook_url_env: string }
  | { type: 'webhook'; url: string }
  | { type: 'directory'; path: string };

/** The `reports:` section, defaults applied. */
export type ReportsSettings = {
  enabled: boolean;
  tenants: string[];
  schedule: {
    day: 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';
    time: string;
    timezone?: string | undefined;
  };
  formats: ReportFormat[];
  by?: string[] | undefined;
  deliveries: ReportDelivery[];
};
