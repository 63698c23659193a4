import { describe, expect, it } from 'vitest';
import { DATASOURCE_UID } from '../src/index.ts';
import {
  clickhouseUser,
  compose,
  datasource,
  migrationColumns,
  provider,
  read,
  volume,
} from './support/repo-files.ts';

describe('datasource provisioning', () => {
  const ds = datasource();
  const services = compose().services;

  it('is the ClickHouse plugin with the uid the dashboards use', () => {
    expect(ds.type).toBe('grafana-clickhouse-datasource');
    expect(ds.uid).toBe(DATASOURCE_UID);
  });

  it('reaches the compose ClickHouse service over HTTP', () => {
    expect(ds.jsonData).toMatchObject({ host: 'clickhouse', port: 8123, protocol: 'http' });
    expect(services[ds.jsonData.host]).toBeDefined();
    expect(ds.jsonData.defaultDatabase).toBe(services.clickhouse!.environment.CLICKHOUSE_DB);
  });

  it('logs in as a read-only user that may set the query time limit', () => {
    const user = clickhouseUser(ds.jsonData.username);
    expect(user, `no ClickHouse user ${ds.jsonData.username}`).toBeDefined();
    expect(user!.grants).toEqual([`GRANT SELECT ON ${ds.jsonData.defaultDatabase}.*`]);
    expect(user!.profile).toMatch(/<readonly>1<\/readonly>/);
    expect(user!.profile).toMatch(
      /<constraints>\s*<max_execution_time>[\s\S]*<changeable_in_readonly\/>\s*<\/max_execution_time>/,
    );
    // changeable_in_readonly is honoured only with settings_constraints_replace_previous.
    expect(read('docker', 'clickhouse', 'config.d', 'tokenwatch.xml')).toMatch(
      /<settings_constraints_replace_previous>true<\/settings_constraints_replace_previous>/,
    );
  });

  it('takes the password from the environment compose gives Grafana and ClickHouse', () => {
    const name = /^\$\{(\w+)\}$/.exec(ds.secureJsonData.password)?.[1];
    expect(name).toBeDefined();
    expect(services.grafana!.environment[name!]).toBe(`\${${name}:?set it in docker/.env}`);
    expect(clickhouseUser(ds.jsonData.username)!.passwordFromEnv).toBe(name);
    expect(services.clickhouse!.environment[name!]).toBeDefined();
  });

  it('maps the trace view to the otel_traces columns and the trace-id lookup table', () => {
    expect(ds.jsonData.traces).toEqual({
      defaultDatabase: 'tokenwatch',
      defaultTable: 'otel_traces',
      otelEnabled: true,
      otelVersion: 'latest',
      traceTimestampTableSuffix: '_trace_id_ts',
      startTimeColumn: 'Timestamp',
      traceIdColumn: 'TraceId',
      spanIdColumn: 'SpanId',
      parentSpanIdColumn: 'ParentSpanId',
      serviceNameColumn: 'ServiceName',
      operationNameColumn: 'SpanName',
      durationColumn: 'Duration',
      durationUnit: 'nanoseconds',
      tagsColumn: 'SpanAttributes',
      serviceTagsColumn: 'ResourceAttributes',
      statusCodeColumn: 'StatusCode',
      statusMessageColumn: 'StatusMessage',
      kindColumn: 'SpanKind',
      stateColumn: 'TraceState',
      instrumentationLibraryNameColumn: 'ScopeName',
      instrumentationLibraryVersionColumn: 'ScopeVersion',
      flattenNested: false,
      traceEventsColumnPrefix: 'Events',
      traceLinksColumnPrefix: 'Links',
    });
    const columns = new Set(migrationColumns('0001_create_otel_traces.sql'));
    for (const [key, column] of Object.entries(ds.jsonData.traces)) {
      if (key.endsWith('Column') || key.endsWith('ColumnPrefix')) {
        expect(columns.has(String(column)), `${key}: ${column}`).toBe(true);
      }
    }
    // The plugin reads TraceId, Start and End from <table><suffix>.
    const lookup = read(
      'packages',
      'store',
      'migrations',
      '0002_create_otel_traces_trace_id_ts.sql',
    );
    expect(lookup).toContain(
      `CREATE TABLE IF NOT EXISTS otel_traces${ds.jsonData.traces.traceTimestampTableSuffix}`,
    );
    expect(migrationColumns('0002_create_otel_traces_trace_id_ts.sql')).toEqual([
      'TraceId',
      'Start',
      'End',
    ]);
  });
});

describe('dashboard provider', () => {
  const p = provider();
  const grafana = compose().services.grafana!;
  const mounts = grafana.volumes.map(volume);

  it('loads the dashboard JSON from where compose mounts it, read-only', () => {
    const json = mounts.find((m) => m.source === '../dashboards/json');
    expect(json).toMatchObject({ target: p.options.path, readOnly: true });
  });

  it('is mounted with the datasource into Grafana provisioning', () => {
    expect(mounts).toEqual(
      expect.arrayContaining([
        {
          source: '../dashboards/provisioning/datasources',
          target: '/etc/grafana/provisioning/datasources',
          readOnly: true,
        },
        {
          source: '../dashboards/provisioning/dashboards',
          target: '/etc/grafana/provisioning/dashboards',
          readOnly: true,
        },
      ]),
    );
  });

  it('keeps the generated dashboards from being edited or deleted in the UI', () => {
    expect(p).toMatchObject({ disableDeletion: true, allowUiUpdates: false, folder: 'Tokenwatch' });
    expect(p.options.foldersFromFilesStructure).toBe(false);
  });
});
