/**
 * Human output of an offline plan: the resource tree with each resource's inputs. Values only
 * known after deployment are marked as placeholders; secrets are already "[secret]".
 */
import { isPlaceholder } from "./engine/placeholders";
import type { OfflinePlan, PlannedResource } from "./offline-plan";

const MARK = "  ⟵ placeholder";

/** Whether `v` is or contains a value the engine made up (or one in the placeholder account). */
function marked(v: string, made: ReadonlySet<string>): boolean {
  if (isPlaceholder(v) || made.has(v)) return true;
  for (const m of made) if (v.includes(m)) return true;
  return false;
}

function renderValue(v: unknown, indent: string, full: boolean, made: ReadonlySet<string>): string[] {
  if (typeof v === "string") {
    const json = v.startsWith("{") || v.startsWith("[") ? tryJson(v) : undefined;
    if (json !== undefined) return renderValue(json, indent, full, made);
    if (v.includes("\n")) {
      const lines = v.split("\n");
      if (!full) return [`${JSON.stringify(lines[0])} … (${lines.length} lines; --full shows them)`];
      return ["|", ...lines.map((l) => `${indent}  ${l}`)];
    }
    return [JSON.stringify(v) + (marked(v, made) ? MARK : "")];
  }
  if (v === null || typeof v !== "object") return [String(v)];
  const entries = Array.isArray(v) ? v.map((x, i) => [`- `, x, i] as const) : Object.entries(v).map(([k, x]) => [`${k}: `, x, k] as const);
  if (entries.length === 0) return [Array.isArray(v) ? "[]" : "{}"];
  const out: string[] = [""]; // the first line stays after the key; entries follow, indented
  for (const [label, x] of entries) {
    const [first, ...rest] = renderValue(x, `${indent}  `, full, made);
    out.push(`${indent}  ${label}${first}`, ...rest);
  }
  return out;
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/**
 * Renders the plan as an indented tree. `full` prints multi-line values (SQL) in full; values
 * that are or contain one of `placeholderValues` are marked as known only after deployment.
 */
export function renderPlan(plan: OfflinePlan, full = false, placeholderValues: ReadonlySet<string> = new Set()): string {
  const children = new Map<string | null, PlannedResource[]>();
  for (const r of plan.resources) {
    const list = children.get(r.parent) ?? [];
    list.push(r);
    children.set(r.parent, list);
  }
  const lines: string[] = [
    `Tenant ${plan.tenant} · plan ${plan.plan.name} · isolation ${plan.plan.isolationLevel} · ${plan.resources.length} resources`,
    `(offline plan: runtime mocks, no cloud; values marked "placeholder" are known only after deployment;` +
      ` placeholder ARNs are in account ${plan.placeholders.account}, region ${plan.placeholders.region})`,
    "",
  ];
  const walk = (parent: string | null, prefix: string) => {
    const list = children.get(parent) ?? [];
    list.forEach((r, i) => {
      const last = i === list.length - 1;
      lines.push(`${prefix}${last ? "└─ " : "├─ "}${r.type}  ${r.name}`);
      const inner = `${prefix}${last ? "   " : "│  "}`;
      const body = Object.entries(r.inputs);
      for (const [k, v] of body) {
        const [first, ...rest] = renderValue(v, `${inner}  `, full, placeholderValues);
        lines.push(`${inner}${children.has(r.urn) ? "│" : " "}  ${k}: ${first}`.trimEnd(), ...rest.map((l) => l.trimEnd()));
      }
      walk(r.urn, inner);
    });
  };
  walk(null, "");
  return lines.join("\n");
}
