import { describe, expect, it } from 'vitest';
import { ReportsSchema } from './reports-schema.ts';

describe('ReportsSchema', () => {
  it('fills defaults', () => {
    expect(ReportsSchema.parse({})).toEqual({
      enabled: false,
      tenants: ['default'],
      schedule: { day: 'monday', time: '09:00' },
      formats: ['md', 'html'],
      deliveries: [],
    });
  });

  it('accepts every delivery type', () => {
    const parsed = ReportsSchema.parse({
      enabled: true,
      schedule: { day: 'friday', time: '17:30', timezone: 'Europe/Berlin' },
      formats: ['json', 'focus'],
      deliveries: [
        { type: 'slack', webhook_url_env: 'SLACK_WEBHOOK_URL' },
        { type: 'webhook', url: 'https://example.com/hook', hmac_secret_env: 'HOOK_KEY' },
        { type: 'directory', path: './reports' },
      ],
    });
    expect(parsed.deliveries.map((d) => d.type)).toEqual(['slack', 'webhook', 'directory']);
    expect(parsed.deliveries[1]).toEqual({
      type: 'webhook',
      url: 'https://example.com/hook',
      hmac_secret_env: 'HOOK_KEY',
    });
    expect(parsed.schedule).toEqual({ day: 'friday', time: '17:30', timezone: 'Europe/Berlin' });
  });

  it.each([
    [{ schedule: { day: 'mon' } }, 'day'],
    [{ schedule: { time: '9:00' } }, 'time'],
    [{ schedule: { time: '24:00' } }, 'time'],
    [{ schedule: { timezone: 'Mars/Olympus' } }, 'timezone'],
    [{ formats: ['pdf'] }, 'formats'],
    [{ deliveries: [{ type: 'slack', webhook_url: 'https://hooks.slack.com/x' }] }, 'deliveries'],
    [{ deliveries: [{ type: 'webhook', url: 'ftp://x' }] }, 'url'],
    [
      { deliveries: [{ type: 'webhook', url: 'https://x.example', hmac_secret_env: 's3cr3t!' }] },
      'hmac_secret_env',
    ],
    [{ deliveries: [{ type: 'email', to: 'a@b' }] }, 'type'],
    [{ extra: 1 }, 'extra'],
  ])('rejects %j', (input, path) => {
    const result = ReportsSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(path);
  });
});
