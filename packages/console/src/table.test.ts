import { describe, expect, it } from 'vitest';
import { recordsTable } from './table.ts';

describe('recordsTable', () => {
  it('shows instants in the configured zone and keeps the exact instant in datetime', async () => {
    const records = [{ rule: 'burn', since: '2026-12-08T13:05:42.000Z', note: '2026-12-08' }];
    const berlin = String(await recordsTable(records, { timezone: 'Europe/Berlin' }));
    expect(berlin).toContain(
      'data-col="since"><time datetime="2026-12-08T13:05:42.000Z">2026-12-08 14:05</time><',
    );
    // A date alone is not an instant; without a zone the read's text stays as it is.
    expect(berlin).toContain('data-col="note">2026-12-08<');
    const plain = String(await recordsTable(records));
    expect(plain).toContain('data-col="since">2026-12-08T13:05:42.000Z<');
  });
});
