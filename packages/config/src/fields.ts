/**
 * @module
 * Field schemas shared by the sections of tokenwatch.yaml, so that a value such as a secret's
 * variable name or an IANA zone is checked, and explained, the same way wherever it appears.
 */
import { z } from 'zod';

/** The name of an environment variable: how the file names a secret it must not hold. */
export const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the name of an environment variable, e.g. SLACK_WEBHOOK_URL');

/** An http or https URL. */
export const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });

/** The variable holding a webhook's signing secret (alert receivers and report deliveries). */
export const hmacSecretEnv = envName
  .optional()
  .describe('Variable holding a secret: bodies are signed X-Tokenwatch-Signature: sha256=…');

/** Whether `zone` is an IANA time zone this runtime knows (`UTC`, `Europe/Paris`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
