/**
 * A typed model of the CloudWatch dashboard body (the JSON `PutDashboard` takes), limited to
 * what the tenant dashboards use, and the layout checks every built body passes.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
 */

/** Width of the dashboard grid, in columns. */
export const GRID_COLUMNS = 24;
/** Most widgets one dashboard may hold. */
export const MAX_WIDGETS = 500;

/** Per-metric rendering options (the last element of a metric row). */
export interface MetricOptions {
  readonly stat: string;
  readonly label: string;
  /** Metric math ID; required when an expression refers to the metric. */
  readonly id?: string;
  /** `false` for inputs of an expression that are not drawn themselves. */
  readonly visible?: boolean;
  readonly period?: number;
}

/** `[namespace, metricName, "Tenant", tenantId, options]`: every tenant metric has exactly one dimension. */
export type MetricRow = readonly [namespace: string, metricName: string, dimension: "Tenant", tenantId: string, options: MetricOptions];

/** A metric math expression over the rows of the same widget. */
export type ExpressionRow = readonly [{ readonly expression: string; readonly label: string; readonly id: string }];

export type MetricsRow = MetricRow | ExpressionRow;

/** Whether a row is an expression (a one-element row). */
export function isExpressionRow(row: MetricsRow): row is ExpressionRow {
  return row.length === 1;
}

/** A horizontal line on a graph (a threshold). */
export interface HorizontalAnnotation {
  readonly label: string;
  readonly value: number;
  readonly color?: string;
}

interface Placement {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface MetricWidget extends Placement {
  readonly type: "metric";
  readonly properties: {
    readonly title: string;
    readonly region: string;
    readonly view: "timeSeries" | "singleValue";
    readonly stacked: boolean;
    readonly period: number;
    readonly metrics: readonly MetricsRow[];
    readonly annotations?: { readonly horizontal: readonly HorizontalAnnotation[] };
    readonly yAxis?: { readonly left: { readonly min?: number; readonly label?: string; readonly showUnits?: boolean } };
  };
}

export interface TextWidget extends Placement {
  readonly type: "text";
  readonly properties: { readonly markdown: string };
}

export interface AlarmWidget extends Placement {
  readonly type: "alarm";
  readonly properties: { readonly title: string; readonly alarms: readonly string[]; readonly sortBy: "stateUpdatedTimestamp" };
}

export interface LogWidget extends Placement {
  readonly type: "log";
  readonly properties: { readonly title: string; readonly region: string; readonly query: string; readonly view: "table" };
}

export type Widget = MetricWidget | TextWidget | AlarmWidget | LogWidget;

/** A dashboard body. */
export interface DashboardBody {
  readonly start: string;
  readonly periodOverride: "auto" | "inherit";
  readonly widgets: readonly Widget[];
}

/** A dashboard to create: its physical name, a human title and its body. */
export interface DashboardSpec {
  /** Stable key for logical names (`overview`, `performance`, `security`, `all`). */
  readonly key: string;
  readonly title: string;
  /** Physical name: letters, digits, `-` and `_`, at most 255 characters. */
  readonly name: string;
  readonly body: DashboardBody;
}

/** Why `name` is not a valid dashboard name, or `undefined`. */
export function dashboardNameProblem(name: string): string | undefined {
  if (name.length < 1 || name.length > 255) return `dashboard name ${JSON.stringify(name)} is ${name.length} characters long; expected 1 to 255`;
  if (!/^[A-Za-z0-9_-]+$/.test(name)) return `dashboard name ${JSON.stringify(name)} may contain only letters, digits, '-' and '_'`;
  return undefined;
}

/** Every layout problem of a body: out-of-grid widgets, overlaps, too many widgets. */
export function layoutProblems(body: DashboardBody): string[] {
  const problems: string[] = [];
  const title = (w: Widget) => ("title" in w.properties ? w.properties.title : w.type);
  if (body.widgets.length > MAX_WIDGETS) problems.push(`${body.widgets.length} widgets; a dashboard holds at most ${MAX_WIDGETS}`);
  body.widgets.forEach((w) => {
    if (![w.x, w.y, w.width, w.height].every(Number.isInteger)) problems.push(`widget "${title(w)}": x, y, width and height must be integers`);
    if (w.width < 1 || w.height < 1) problems.push(`widget "${title(w)}": width and height must be at least 1`);
    if (w.x < 0 || w.y < 0 || w.x + w.width > GRID_COLUMNS) {
      problems.push(`widget "${title(w)}" at x=${w.x} width=${w.width} leaves the ${GRID_COLUMNS}-column grid`);
    }
  });
  for (let i = 0; i < body.widgets.length; i++) {
    for (let j = i + 1; j < body.widgets.length; j++) {
      const a = body.widgets[i]!;
      const b = body.widgets[j]!;
      const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
      if (overlap) problems.push(`widgets "${title(a)}" and "${title(b)}" overlap`);
    }
  }
  return problems;
}

/** Throws one error listing every layout and name problem of a dashboard. */
export function validateDashboard(spec: DashboardSpec): DashboardSpec {
  const problems = [dashboardNameProblem(spec.name), ...layoutProblems(spec.body)].filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new Error(`invalid dashboard ${spec.name}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  return spec;
}

/** Height of a body in grid rows. */
export function bodyHeight(body: DashboardBody): number {
  return Math.max(0, ...body.widgets.map((w) => w.y + w.height));
}
