/**
 * Tenants set up through local mode on a fresh database, for one `describe` of the PostgreSQL
 * integration tests. `localTenants` registers, in the calling describe:
 *
 * - beforeAll: a fresh database (`freshDatabase`), `localUp` of each named tenant in order (plan
 *   "pro", the given isolation level and overrides, a temporary state directory) and, with
 *   `connect`, one client per tenant on its own credentials;
 * - afterAll: ends every client (those it opened and those pushed onto `open`), `localDown` of
 *   every tenant in `extra` and then of the named tenants (errors ignored: a test may already
 *   have removed one), and drops the database.
 *
 * The values set in beforeAll (`db`, `results`, `clients`) are read from the returned object
 * inside hooks and tests, never at describe time.
 */
import type { Client } from "pg";
import { afterAll, beforeAll } from "vitest";
import { localDown, localUp, type LocalResult } from "../../cli/local/local-mode";
import { tenantNames } from "../../components/naming";
import type { IsolationLevel } from "../../plans/schema";
import { connect, freshDatabase, runTag, tempStateDir } from "./pg";

type Overrides = Record<string, unknown>;

export interface LocalTenantsOptions {
  /** Tenant IDs are `${idPrefix}${run tag}-${suffix}` (roles are cluster-wide: the tag keeps runs apart). */
  readonly idPrefix: string;
  /** The tenants' suffixes; those not in `setUp` are only named (e.g. a tenant that must not exist). */
  readonly tenants: readonly string[];
  /** The suffixes set up in beforeAll, in this order (default: all of `tenants`). */
  readonly setUp?: readonly string[];
  /** Prefix of the fresh database's name. */
  readonly database: string;
  readonly isolation: IsolationLevel;
  /** Plan overrides for every `up`, or per tenant suffix. */
  readonly overrides?: Overrides | ((suffix: string) => Overrides | undefined);
  /** Open a client per set-up tenant (its own credentials) after all are up. */
  readonly connect?: boolean;
  /** Timeout of both hooks (default: the config's hookTimeout). */
  readonly timeout?: number;
}

export interface LocalTenants {
  /** This run's tag (for naming further tenants the same way). */
  readonly tag: string;
  /** `tenantNames` of each suffix, in the order of `tenants`. */
  readonly names: ReturnType<typeof tenantNames>[];
  readonly stateDir: string;
  /** The fresh database (set in beforeAll). */
  db: Awaited<ReturnType<typeof freshDatabase>>;
  /** `localUp` results of the set-up tenants, in the order of `setUp` (set in beforeAll). */
  results: LocalResult[];
  /** Clients of the set-up tenants, in the same order (with `connect`; set in beforeAll). */
  clients: Client[];
  /** Further clients the tests open: ended in afterAll. */
  readonly open: Client[];
  /** Further tenant IDs the tests set up: removed in afterAll, before the named ones. */
  readonly extra: string[];
  readonly targets: () => { databaseUrl: string };
  /** `localUp` of a tenant ID with this describe's level, overrides and state directory. */
  readonly up: (id: string, overrides?: Overrides) => Promise<LocalResult>;
  readonly down: (id: string) => Promise<boolean>;
}

export function localTenants(opts: LocalTenantsOptions): LocalTenants {
  const tag = runTag();
  const names = opts.tenants.map((s) => tenantNames(`${opts.idPrefix}${tag}-${s}`));
  const bySuffix = new Map(opts.tenants.map((s, i) => [s, names[i]]));
  const setUp = opts.setUp ?? opts.tenants;
  const overridesOf = (suffix: string) => (typeof opts.overrides === "function" ? opts.overrides(suffix) : opts.overrides);
  const fx: LocalTenants = {
    tag,
    names,
    stateDir: tempStateDir(),
    db: undefined as unknown as LocalTenants["db"],
    results: [],
    clients: [],
    open: [],
    extra: [],
    targets: () => ({ databaseUrl: fx.db.url }),
    up: (id, overrides = typeof opts.overrides === "function" ? undefined : opts.overrides) =>
      localUp({ tenantId: id, plan: "pro", isolation: opts.isolation, ...(overrides ? { overrides } : {}), targets: fx.targets(), stateDir: fx.stateDir }),
    down: (id) => localDown(id, { targets: fx.targets(), stateDir: fx.stateDir }),
  };

  beforeAll(async () => {
    fx.db = await freshDatabase(opts.database);
    for (const s of setUp) fx.results.push(await fx.up(bySuffix.get(s)!.id, overridesOf(s)));
    if (opts.connect) for (const r of fx.results) fx.clients.push(await connect(String(r.postgres.url)));
  }, opts.timeout);

  afterAll(async () => {
    for (const c of [...fx.clients, ...fx.open]) await c.end().catch(() => undefined);
    const ids = [...fx.extra, ...setUp.map((s) => bySuffix.get(s)!.id)];
    if (fx.db) for (const id of ids) await fx.down(id).catch(() => undefined);
    await fx.db?.drop();
  }, opts.timeout);

  return fx;
}
