/**
 * @module
 * The trace-by-id query behind the trace view and the "open trace" links. It follows the plugin's
 * own trace-id query (src/data/sqlGenerator.ts): the `otel_traces_trace_id_ts` lookup table gives
 * the trace's time bounds, so the scan of `otel_traces` stays inside the partitions of the trace,
 * and the columns are aliased to what Grafana's trace view reads.
 */

import { tenantFilter } from './filters.ts';
import { DATASOURCE, FORMAT, PLUGIN_VERSION, sql } from './grafana.ts';

/** The dashboard that shows one trace (its `trace_id` variable selects it). */
export const TRACE_DASHBOARD_UID = 'tokenwatch-sessions';

/**
 * The trace's spans, for a SQL expression giving the trace id. The tenant filter is for the
 * dashboard panel; a data link must do without it, because Grafana interpolates the link's
 * variables before Explore sees the query, which breaks `$__conditionalAll`'s second argument.
 */
export function traceSql(traceId: string, filterTenant: boolean): string {
  const tenant = filterTenant ? tenantFilter('TenantId') : '1 = 1';
  return sql`
    WITH
      ${traceId} AS trace_id,
      (SELECT min(Start) FROM otel_traces_trace_id_ts WHERE TraceId = trace_id) AS trace_start,
      (SELECT max(End) + 1 FROM otel_traces_trace_id_ts WHERE TraceId = trace_id) AS trace_end
    SELECT
      TraceId AS traceID,
      SpanId AS spanID,
      ParentSpanId AS parentSpanID,
      ServiceName AS serviceName,
      SpanName AS operationName,
      multiply(toUnixTimestamp64Nano(Timestamp), 0.000001) AS startTime,
      multiply(Duration, 0.000001) AS duration,
      arrayMap(key -> map('key', key, 'value', SpanAttributes[key]), mapKeys(SpanAttributes)) AS tags,
      arrayMap(key -> map('key', key, 'value', ResourceAttributes[key]), mapKeys(ResourceAttributes)) AS serviceTags,
      if(StatusCode IN ('Error', 'STATUS_CODE_ERROR'), 2, 0) AS statusCode,
      StatusMessage AS statusMessage
    FROM otel_traces
    WHERE TraceId = trace_id
      AND Timestamp >= trace_start
      AND Timestamp <= trace_end
      AND ${tenant}
    ORDER BY startTime, spanID
  `;
}

/**
 * Links for a `trace_id` table column: the trace panel of the Sessions dashboard, and the same
 * query in Explore (Grafana's full trace view).
 */
export function traceLinks() {
  return [
    {
      title: 'Trace in the Sessions dashboard',
      url: `/d/${TRACE_DASHBOARD_UID}/tokenwatch-sessions?var-trace_id=\${__value.raw}&\${__url_time_range}`,
    },
    {
      title: 'Trace in Explore',
      url: '',
      internal: {
        datasourceUid: DATASOURCE.uid,
        datasourceName: 'Tokenwatch ClickHouse',
        query: {
          refId: 'A',
          datasource: DATASOURCE,
          editorType: 'sql',
          format: FORMAT.traces,
          queryType: 'traces',
          rawSql: traceSql(`'\${__value.raw}'`, false),
          pluginVersion: PLUGIN_VERSION,
        },
      },
    },
  ];
}
