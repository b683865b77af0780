/**
 * TenantStack: everything one tenant gets, composed from one child component per isolation
 * concern and parameterized by the tenant's plan. One Pulumi stack holds one TenantStack.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Plan } from "../plans/schema";
import { type TenantNames, tenantNames } from "./naming";
import type { PlatformConfig, PlatformSecrets } from "./platform-config";
import { PostgresSchemaWithRls } from "./postgres/postgres-schema-with-rls";

export interface TenantStackArgs {
  /** The tenant ID; validated by `naming.validateTenantId`. Decides every physical name. */
  readonly tenantId: string;
  /** The validated plan (with per-tenant overrides already merged). */
  readonly plan: Plan;
  /** Shared platform inputs. */
  readonly platform: PlatformConfig;
  /** Platform secrets (admin passwords); passed as secret Inputs. */
  readonly secrets: PlatformSecrets;
}

/** The tags every taggable resource of a tenant carries. */
export function tenantTags(names: TenantNames, plan: Plan): Record<string, string> {
  return { "controlcore:tenant": names.id, "controlcore:plan": plan.name, "controlcore:managed-by": "pulumi" };
}

export class TenantStack extends pulumi.ComponentResource {
  /** The tenant's physical names. */
  readonly names: TenantNames;
  /** Database isolation: the tenant's role, schema or database, tables and RLS. */
  readonly postgres: PostgresSchemaWithRls;

  constructor(name: string, args: TenantStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("controlcore:tenant:TenantStack", name, {}, opts);
    // Validate before any child exists: a bad ID must not leave half a tenant behind.
    this.names = tenantNames(args.tenantId);
    const { plan, platform, secrets } = args;

    this.postgres = new PostgresSchemaWithRls(
      `${name}-postgres`,
      {
        names: this.names,
        isolationLevel: plan.isolation_level,
        limits: plan.limits,
        database: plan.database,
        postgres: platform.postgres,
        adminPassword: secrets.postgresAdminPassword,
      },
      { parent: this },
    );

    this.registerOutputs({ postgres: this.postgres.endpoint });
  }
}
