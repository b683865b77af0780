/**
 * The program factory: given a tenant, its plan and the platform inputs, declares the tenant's
 * stack and returns its outputs. `index.ts` calls it with stack config; the offline plan, local
 * mode, the Automation API and the tests call it with the same arguments, so all of them run one
 * program.
 */
import type { LoadedPlan } from "../plans/load";
import type { PlatformConfig, PlatformSecrets, TenantSettings } from "./platform-config";
import type { TenantStackOutputs } from "./tenant-outputs";
import { TenantStack, type TenantStackArgs } from "./tenant-stack";

export interface TenantProgramArgs {
  readonly tenantId: string;
  readonly plan: LoadedPlan;
  readonly platform: PlatformConfig;
  readonly secrets: PlatformSecrets;
  readonly tenant?: TenantSettings;
  /** Settings of the explicit AWS providers. @default the stack's `aws:` config */
  readonly awsProviderArgs?: TenantStackArgs["awsProviderArgs"];
}

/** The stack outputs of a tenant: the TenantStack's outputs plus where its plan came from. */
export interface TenantProgramOutputs extends TenantStackOutputs {
  /** `pro`, `custom`, or the path of the user's plan file. */
  readonly planSource: string;
}

export function tenantProgram(args: TenantProgramArgs): TenantProgramOutputs {
  const stack = new TenantStack(args.tenantId, {
    tenantId: args.tenantId,
    plan: args.plan.plan,
    platform: args.platform,
    secrets: args.secrets,
    ...(args.tenant ? { tenant: args.tenant } : {}),
    ...(args.awsProviderArgs ? { awsProviderArgs: args.awsProviderArgs } : {}),
  });
  return { ...stack.outputs, planSource: args.plan.source };
}
