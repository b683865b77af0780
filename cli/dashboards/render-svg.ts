/**
 * Draws a dashboard body as SVG so a reviewer can see its layout without AWS: the 24-column
 * grid, each widget's box at its x/y/width/height, its title, the metrics it plots (with the
 * tenant dimension), its threshold annotations, its log query or its alarms. Pure: a string in,
 * a string out; `png.ts` turns it into a PNG.
 */
import {
  bodyHeight,
  type DashboardSpec,
  GRID_COLUMNS,
  type HorizontalAnnotation,
  isExpressionRow,
  type MetricWidget,
  type Widget,
} from "../../components/monitoring/dashboard-model";

export interface SvgOptions {
  /** Pixels per grid column. @default 50 */
  readonly columnWidth?: number;
  /** Pixels per grid row. @default 40 */
  readonly rowHeight?: number;
}

const PAD = 16;
const HEADER = 56;
const GAP = 4;
const SANS = "DejaVu Sans, Liberation Sans, Arial, sans-serif";
const MONO = "DejaVu Sans Mono, Liberation Mono, monospace";
/** DejaVu Sans Mono advances 0.602 em per character; sans text is estimated at 0.62 em. */
const MONO_EM = 0.602;
const SANS_EM = 0.62;

/** Escapes text for SVG content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/** Cuts `s` to `max` characters, marking the cut with an ellipsis. */
export function truncate(s: string, max: number): string {
  if (max <= 1) return s.length > 0 ? "…" : "";
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Splits `s` into lines of at most `max` characters, at spaces where it can. */
export function wrap(s: string, max: number): string[] {
  const lines: string[] = [];
  let rest = s;
  while (rest.length > max) {
    const cut = rest.lastIndexOf(" ", max);
    const at = cut > max / 3 ? cut : max;
    lines.push(rest.slice(0, at));
    rest = rest.slice(at).trimStart();
  }
  if (rest.length > 0) lines.push(rest);
  return lines;
}

interface Px {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

function text(x: number, y: number, s: string, o: { size?: number; weight?: string; fill?: string; mono?: boolean; anchor?: string } = {}): string {
  const attrs = [
    `x="${x}"`,
    `y="${y}"`,
    `font-family="${o.mono ? MONO : SANS}"`,
    `font-size="${o.size ?? 12}"`,
    o.weight ? `font-weight="${o.weight}"` : "",
    `fill="${o.fill ?? "#16191f"}"`,
    o.anchor ? `text-anchor="${o.anchor}"` : "",
  ].filter(Boolean);
  return `<text ${attrs.join(" ")}>${escapeXml(s)}</text>`;
}

/** Lines of monospaced text from `top`, wrapped to the box width and clipped to its height. */
function monoLines(box: Px, top: number, lines: readonly string[], o: { size?: number; fill?: string } = {}): { svg: string[]; bottom: number } {
  const size = o.size ?? 11;
  const max = Math.floor((box.w - 20) / (size * MONO_EM));
  const wrapped = lines.flatMap((l) => wrap(l, max).map((part, n) => (n === 0 ? part : `  ${part}`)));
  const step = size + 4;
  const room = Math.max(1, Math.floor((box.y + box.h - 8 - top) / step));
  const shown = wrapped.length > room ? [...wrapped.slice(0, room - 1), `… ${wrapped.length - room + 1} more lines`] : wrapped;
  return {
    svg: shown.map((l, n) => text(box.x + 10, top + n * step + size, truncate(l, max), { size, mono: true, fill: o.fill ?? "#16191f" })),
    bottom: top + shown.length * step,
  };
}

function metricLines(w: MetricWidget): string[] {
  const namespaces = new Set<string>();
  const rows = w.properties.metrics.map((row) => {
    if (isExpressionRow(row)) return `ƒ ${row[0].id} = ${row[0].expression} "${row[0].label}"`;
    const [namespace, metric, dim, value, o] = row;
    namespaces.add(namespace);
    return `${o.id ? `${o.id}: ` : ""}${metric} · ${o.stat} · ${dim}=${value}${o.visible === false ? " · hidden input" : ""}`;
  });
  const p = w.properties;
  return [...rows, `${[...namespaces].join(", ")} · period ${p.period} s · ${p.region}${p.stacked ? " · stacked" : ""}`];
}

/** Annotations with the same value share one line and one label. */
export function mergeAnnotations(lines: readonly HorizontalAnnotation[]): HorizontalAnnotation[] {
  const byValue = new Map<number, HorizontalAnnotation>();
  for (const a of lines) {
    const seen = byValue.get(a.value);
    byValue.set(a.value, seen ? { ...seen, label: `${seen.label} · ${a.label}` } : a);
  }
  return [...byValue.values()].sort((a, b) => b.value - a.value);
}

/** A chart frame with the threshold lines placed by value (labels of close lines go below them). */
function chart(box: Px, top: number, annotations: readonly HorizontalAnnotation[]): string[] {
  const frame = { x: box.x + 10, y: top, w: box.w - 20, h: box.y + box.h - 10 - top };
  if (frame.h < 30) return [];
  const out = [`<rect class="chart" x="${frame.x}" y="${frame.y}" width="${frame.w}" height="${frame.h}" fill="#fafafa" stroke="#d5dbdb"/>`];
  const lines = mergeAnnotations(annotations);
  if (lines.length === 0) return [...out, text(frame.x + frame.w / 2, frame.y + frame.h / 2 + 4, "no thresholds", { size: 10, fill: "#aab7b8", anchor: "middle" })];
  const max = lines[0]!.value * 1.25;
  let lastLabelY = -Infinity;
  for (const a of lines) {
    const y = Math.round(frame.y + frame.h - (a.value / max) * frame.h);
    const color = a.color ?? "#687078";
    const labelY = y - 3 - lastLabelY < 12 ? y + 12 : y - 3;
    lastLabelY = labelY;
    out.push(`<line class="annotation" x1="${frame.x}" y1="${y}" x2="${frame.x + frame.w}" y2="${y}" stroke="${color}" stroke-width="1.5" stroke-dasharray="6 4"/>`);
    out.push(text(frame.x + frame.w - 4, labelY, a.label, { size: 10, fill: color, anchor: "end" }));
  }
  return out;
}

function widgetBody(w: Widget, box: Px): string[] {
  const top = box.y + 40;
  switch (w.type) {
    case "metric": {
      const listed = monoLines(box, top, metricLines(w));
      return [...listed.svg, ...chart(box, listed.bottom + 6, w.properties.annotations?.horizontal ?? [])];
    }
    case "log": {
      const lines = w.properties.query.split(" | ").map((part, n) => `${n === 0 ? "" : "| "}${part}`);
      return [text(box.x + 10, top + 2, `Logs Insights · ${w.properties.view} · ${w.properties.region}`, { size: 10, fill: "#687078" }), ...monoLines(box, top + 8, lines).svg];
    }
    case "alarm": {
      const alarmNames = w.properties.alarms.map((arn) => arn.slice(arn.indexOf(":alarm:") + ":alarm:".length));
      return monoLines(box, top, alarmNames.length > 0 ? alarmNames : ["(no alarms)"]).svg;
    }
    case "text":
      return [];
  }
}

function textWidget(w: Widget & { type: "text" }, box: Px): string[] {
  const out: string[] = [];
  let y = box.y + 26;
  for (const raw of w.properties.markdown.split("\n")) {
    const heading = raw.startsWith("# ");
    const line = raw.replace(/^#+ /, "").replace(/\*\*/g, "");
    const size = heading ? 18 : 12;
    const max = Math.floor((box.w - 20) / (size * SANS_EM));
    out.push(text(box.x + 10, y, truncate(line, max), { size, weight: heading ? "bold" : undefined }));
    y += size + 8;
  }
  return out;
}

function widget(w: Widget, px: Px): string {
  const box = { x: px.x + GAP, y: px.y + GAP, w: px.w - 2 * GAP, h: px.h - 2 * GAP };
  const parts = [
    `<g class="widget" data-type="${w.type}" data-x="${w.x}" data-y="${w.y}" data-width="${w.width}" data-height="${w.height}">`,
    `<rect class="widget-box" x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" rx="3" fill="#ffffff" stroke="#aab7b8"/>`,
  ];
  if (w.type === "text") {
    parts.push(...textWidget(w, box));
  } else {
    const max = Math.floor((box.w - 90) / (14 * SANS_EM));
    parts.push(text(box.x + 10, box.y + 22, truncate(w.properties.title, max), { size: 14, weight: "bold" }));
    parts.push(text(box.x + box.w - 10, box.y + 20, w.type, { size: 10, fill: "#687078", anchor: "end" }));
    parts.push(`<line x1="${box.x}" y1="${box.y + 32}" x2="${box.x + box.w}" y2="${box.y + 32}" stroke="#eaeded"/>`);
    parts.push(...widgetBody(w, box));
  }
  parts.push("</g>");
  return parts.join("\n");
}

/** The pixel box of a widget at its grid position. */
export function widgetPixels(w: Pick<Widget, "x" | "y" | "width" | "height">, o: SvgOptions = {}): Px {
  const cw = o.columnWidth ?? 50;
  const rh = o.rowHeight ?? 40;
  return { x: PAD + w.x * cw, y: HEADER + w.y * rh, w: w.width * cw, h: w.height * rh };
}

/** The whole dashboard as an SVG document. */
export function renderDashboardSvg(spec: Pick<DashboardSpec, "name" | "title" | "body">, o: SvgOptions = {}): string {
  const cw = o.columnWidth ?? 50;
  const rh = o.rowHeight ?? 40;
  const rows = bodyHeight(spec.body);
  const width = 2 * PAD + GRID_COLUMNS * cw;
  const height = HEADER + rows * rh + PAD;
  const grid: string[] = [];
  for (let c = 0; c <= GRID_COLUMNS; c++) {
    grid.push(`<line x1="${PAD + c * cw}" y1="${HEADER}" x2="${PAD + c * cw}" y2="${HEADER + rows * rh}" stroke="#eef0f0"/>`);
  }
  for (let r = 0; r <= rows; r++) grid.push(`<line x1="${PAD}" y1="${HEADER + r * rh}" x2="${PAD + GRID_COLUMNS * cw}" y2="${HEADER + r * rh}" stroke="#eef0f0"/>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#f2f3f3"/>`,
    text(PAD, 26, spec.name, { size: 18, weight: "bold" }),
    text(PAD, 46, `${spec.title} · ${spec.body.widgets.length} widgets · ${GRID_COLUMNS}-column grid · time range ${spec.body.start}`, {
      size: 12,
      fill: "#545b64",
    }),
    `<g class="grid">${grid.join("")}</g>`,
    ...spec.body.widgets.map((w) => widget(w, widgetPixels(w, o))),
    "</svg>",
  ].join("\n");
}
