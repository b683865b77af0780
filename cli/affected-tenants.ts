/**
 * Which tenant stacks a change affects, for pull-request previews (.github/workflows/pr-preview.yml).
 *
 * {@link affectedTenants} is pure: changed file paths (relative to the repository root, as `git
 * diff --name-only` prints them) and the known tenants → the tenants to preview, each with why.
 * {@link readTenants} lists the tenants from the repository: `tenants/<id>.yaml` files
 * (`tenantId`, `plan`) and stack files `Pulumi.<stack>.yaml` (`controlcore-tenant:tenantId`,
 * `controlcore-tenant:plan`).
 *
 * The pull-request workflow runs it through cli/pr-preview.ts (`affected`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** A tenant stack known to the repository. */
export interface KnownTenant {
  readonly id: string;
  /** `pro`, `custom` or a plan file path (relative to the repository root). */
  readonly plan: string;
  /** The file that declares it (relative to the repository root). */
  readonly file: string;
}

export interface AffectedTenants {
  /** Tenant IDs to preview, sorted. */
  readonly tenants: string[];
  /** Why each tenant is affected (the changed paths and the rule). */
  readonly reasons: Record<string, string[]>;
}

/** The stack config whose platform section tenants without a stack file of their own are planned with. */
export const DEFAULT_STACK_CONFIG = "Pulumi.dev.yaml";

const isStackFile = (file: string): boolean => /^Pulumi\.[^.]+\.ya?ml$/.test(norm(file));

/** Paths that change no deployed resource and no check: documentation and tests. */
const INERT = [/^docs\//, /\.md$/i, /^tests\//, /^LICENSE/i, /^\.gitignore$/, /^\.vscode\//];

const norm = (p: string): string => path.posix.normalize(p.replace(/\\/g, "/")).replace(/^\.\//, "");

/** The plan file a tenant's plan reference points to (`pro` → `plans/pro.yaml`). */
export function planFile(plan: string): string {
  return /\.ya?ml$/.test(plan) ? norm(plan) : `plans/${plan}.yaml`;
}

/**
 * The tenants a change affects: a tenant's own file → that tenant; a plan file → the tenants on
 * that plan; documentation and tests alone → none; anything else (components, `index.ts`, the
 * plan schema and loader, `Pulumi.yaml`, dependencies, the CLI, the policy pack, CI) → all
 * tenants, because it can change every stack or the checks run on it.
 */
export function affectedTenants(
  changedPaths: readonly string[],
  tenants: readonly KnownTenant[],
  defaultStackConfig = DEFAULT_STACK_CONFIG,
): AffectedTenants {
  const reasons: Record<string, string[]> = {};
  const add = (t: KnownTenant, why: string) => (reasons[t.id] ??= []).push(why);
  for (const raw of changedPaths) {
    if (raw.trim() === "") continue;
    const p = norm(raw.trim());
    if (INERT.some((re) => re.test(p))) continue;
    const owners = tenants.filter((t) => norm(t.file) === p);
    // Tenants without a stack file of their own are planned with the default stack config's platform.
    const borrowers = p === norm(defaultStackConfig) ? tenants.filter((t) => !isStackFile(t.file)) : [];
    if (owners.length > 0 || borrowers.length > 0) {
      for (const t of owners) add(t, `${p}: the tenant's stack file`);
      for (const t of borrowers) add(t, `${p}: the platform config the tenant is planned with`);
      continue;
    }
    if (/^plans\/[^/]+\.ya?ml$/.test(p)) {
      for (const t of tenants.filter((x) => planFile(x.plan) === p)) add(t, `${p}: the tenant's plan`);
      continue;
    }
    for (const t of tenants) add(t, `${p}: shared by every tenant`);
  }
  return { tenants: Object.keys(reasons).sort(), reasons };
}

/** The tenants declared in a repository (see the module comment). */
export function readTenants(root: string): KnownTenant[] {
  const out: KnownTenant[] = [];
  const dir = path.join(root, "tenants");
  if (fs.existsSync(dir)) {
    for (const f of fs.readdirSync(dir).filter((x) => /\.ya?ml$/.test(x)).sort()) {
      const doc = (parse(fs.readFileSync(path.join(dir, f), "utf8")) ?? {}) as { tenantId?: string; plan?: string };
      out.push({ id: doc.tenantId ?? f.replace(/\.ya?ml$/, ""), plan: doc.plan ?? "pro", file: `tenants/${f}` });
    }
  }
  for (const f of fs.readdirSync(root).filter((x) => /^Pulumi\.[^.]+\.ya?ml$/.test(x)).sort()) {
    const doc = (parse(fs.readFileSync(path.join(root, f), "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const id = doc.config?.["controlcore-tenant:tenantId"];
    if (typeof id !== "string") continue;
    const plan = doc.config?.["controlcore-tenant:plan"];
    out.push({ id, plan: typeof plan === "string" ? plan : "pro", file: f });
  }
  return out;
}

/** One tenant stack the workflow checks: the plan and stack config `tenantctl plan` takes, and the Pulumi stack to preview. */
export interface PreviewTarget {
  readonly tenant: string;
  readonly plan: string;
  /** `--stack-config` for the offline plan: the tenant's stack file, else the example stack's platform. */
  readonly stackConfig: string;
  /** The Pulumi stack name (`Pulumi.<stack>.yaml`'s stack, else the tenant ID). */
  readonly stack: string;
}

/** The workflow's matrix: one target per affected tenant, in tenant order. */
export function previewTargets(affected: AffectedTenants, tenants: readonly KnownTenant[], defaultStackConfig = DEFAULT_STACK_CONFIG): PreviewTarget[] {
  return affected.tenants.map((id) => {
    const t = tenants.find((x) => x.id === id && /^Pulumi\./.test(x.file)) ?? tenants.find((x) => x.id === id)!;
    const stackFile = t.file.match(/^Pulumi\.([^.]+)\.ya?ml$/);
    return { tenant: id, plan: t.plan, stackConfig: stackFile ? t.file : defaultStackConfig, stack: stackFile ? stackFile[1]! : id };
  });
}
