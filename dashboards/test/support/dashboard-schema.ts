/**
 * @module
 * The parts of Grafana's dashboard model (@grafana/schema, schemaVersion 41) the Tokenwatch
 * dashboards rely on, as zod schemas. Each schema `satisfies` the matching @grafana/schema type,
 * so what passes here is also a valid value of Grafana's own types; on top, the schemas pin what
 * provisioning needs: ClickHouse targets with raw SQL, a datasource referenced by uid, a grid
 * position on every panel.
 */
import type {
  Dashboard,
  DataSourceRef,
  GridPos,
  Panel,
  VariableModel,
  VariableOption,
} from '@grafana/schema';
import { z } from 'zod';

/** A panel's place in the 24-column grid. */
const GridPosSchema = z
  .object({
    x: z.number().int().min(0).max(23),
    y: z.number().int().min(0),
    w: z.number().int().min(1).max(24),
    h: z.number().int().min(1),
  })
  .refine(
    (g) => g.x + g.w <= 24,
    'a panel must fit in the 24-column grid',
  ) satisfies z.ZodType<GridPos>;

/** A reference to the ClickHouse datasource, by uid. */
const DataSourceRefSchema = z.object({
  type: z.literal('grafana-clickhouse-datasource'),
  uid: z.string().min(1),
}) satisfies z.ZodType<DataSourceRef>;

/** A grafana-clickhouse-datasource SQL target (`src/types/sql.ts`); format is sqlds's. */
export const TargetSchema = z.object({
  refId: z.string().min(1),
  datasource: DataSourceRefSchema,
  editorType: z.literal('sql'),
  format: z.union([z.literal(0), z.literal(1), z.literal(3)]),
  queryType: z.enum(['timeseries', 'table', 'traces']),
  rawSql: z.string().min(1),
  pluginVersion: z.string().regex(/^\d+\.\d+\.\d+$/),
});

/** A data link: a URL, or a query Grafana opens in Explore (`internal`). */
export const LinkSchema = z.object({
  title: z.string().min(1),
  url: z.string(),
  internal: z
    .object({
      datasourceUid: z.string(),
      datasourceName: z.string(),
      query: TargetSchema,
    })
    .optional(),
});

const OverrideSchema = z.object({
  matcher: z.object({ id: z.literal('byName'), options: z.string().min(1) }),
  properties: z.array(z.object({ id: z.string().min(1), value: z.unknown() })),
});

/** A panel with one ClickHouse target. */
const PanelSchema = z.looseObject({
  id: z.number().int().positive(),
  type: z.enum(['timeseries', 'stat', 'table', 'histogram', 'traces']),
  title: z.string().min(1),
  description: z.string().min(1),
  gridPos: GridPosSchema,
  datasource: DataSourceRefSchema,
  interval: z.string().optional(),
  targets: z.array(TargetSchema).length(1),
  fieldConfig: z
    .object({
      defaults: z.record(z.string(), z.unknown()),
      overrides: z.array(OverrideSchema),
    })
    .optional(),
  options: z.record(z.string(), z.unknown()).optional(),
}) satisfies z.ZodType<Panel>;
/** A panel as the dashboard files hold it. */
export type ParsedPanel = z.infer<typeof PanelSchema>;

const OptionSchema = z.object({
  selected: z.boolean().optional(),
  text: z.union([z.string(), z.array(z.string())]),
  value: z.union([z.string(), z.array(z.string())]),
}) satisfies z.ZodType<VariableOption>;

/** The variables the dashboards use: ClickHouse queries and text boxes. */
const VariableSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('query'),
    name: z.string().regex(/^\w+$/),
    label: z.string().min(1),
    datasource: DataSourceRefSchema,
    query: z.object({ editorType: z.literal('sql'), rawSql: z.string().min(1) }),
    refresh: z.literal(2),
    multi: z.boolean(),
    includeAll: z.boolean(),
    allValue: z.string().optional(),
    current: OptionSchema,
  }),
  z.looseObject({
    type: z.literal('textbox'),
    name: z.string().regex(/^\w+$/),
    label: z.string().min(1),
    query: z.string(),
    current: OptionSchema,
  }),
]) satisfies z.ZodType<VariableModel>;

/** A whole dashboard file. */
export const DashboardSchema = z.looseObject({
  id: z.null().optional(),
  uid: z
    .string()
    .min(8)
    .max(40)
    .regex(/^[\w-]+$/),
  title: z.string().min(1),
  description: z.string().min(1),
  tags: z.array(z.string()),
  editable: z.boolean(),
  timezone: z.string(),
  time: z.object({ from: z.string(), to: z.string() }),
  refresh: z.string(),
  schemaVersion: z.number().int().min(36),
  version: z.number().int(),
  templating: z.object({ list: z.array(VariableSchema) }),
  // The dashboards carry no annotations; Grafana adds its built-in one on load.
  annotations: z.object({ list: z.array(z.never()) }),
  panels: z.array(PanelSchema).min(1),
}) satisfies z.ZodType<Dashboard>;
/** A dashboard as its file holds it, validated. */
export type ParsedDashboard = z.infer<typeof DashboardSchema>;
