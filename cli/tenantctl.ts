/**
 * tenantctl: operate tenant stacks. `plan` prints a tenant's offline plan; `local up|down`
 * applies a tenant's isolation to local servers. Run with `npm run tenantctl -- <command>`.
 */
import * as path from "node:path";
import { Command, Option } from "commander";
import { ISOLATION_LEVELS, type IsolationLevel } from "../plans/schema";
import { localDown, localUp, renderLocal } from "./local/local-mode";
import { offlinePlan } from "./offline-plan";
import { renderPlan } from "./render-plan";

/** Where the user ran the command (npm run changes the working directory to the project). */
const USER_CWD = process.env.INIT_CWD ?? process.cwd();

function planRef(ref: string): string {
  return /\.ya?ml$/.test(ref) ? path.resolve(USER_CWD, ref) : ref;
}

function isolationOption() {
  return new Option("--isolation <level>", "override the plan's isolation level").choices([...ISOLATION_LEVELS]);
}

export function buildCli(): Command {
  const program = new Command("tenantctl")
    .description("Operate Control Core tenant stacks.")
    .showHelpAfterError()
    .exitOverride();

  program
    .command("plan")
    .description("Print a tenant's resource tree from the real program under runtime mocks (no cloud, no Pulumi CLI).")
    .argument("<tenant>", "tenant ID")
    .option("--plan <plan>", "plan name (pro, custom) or path to a plan YAML", "pro")
    .addOption(isolationOption())
    .option("--stack-config <file>", "stack config file whose platform settings to use", undefined)
    .option("--json", "print one JSON object: { tenant, plan, resources }")
    .option("--full", "print multi-line inputs (SQL) in full")
    .action(async (tenant: string, opts: { plan: string; isolation?: IsolationLevel; stackConfig?: string; json?: boolean; full?: boolean }) => {
      const result = await offlinePlan({
        tenantId: tenant,
        plan: planRef(opts.plan),
        isolation: opts.isolation,
        stackFile: opts.stackConfig ? path.resolve(USER_CWD, opts.stackConfig) : undefined,
      });
      process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${renderPlan(result, opts.full)}\n`);
    });

  const local = program.command("local").description("Apply a tenant's isolation to local servers (DATABASE_URL, REDIS_URL).");
  local
    .command("up")
    .description("Create or converge the tenant on local servers; prints its own connection URLs.")
    .argument("<tenant>", "tenant ID")
    .option("--plan <plan>", "plan name (pro, custom) or path to a plan YAML", "pro")
    .addOption(isolationOption())
    .option("--json", "print one JSON object with the tenant's connections")
    .action(async (tenant: string, opts: { plan: string; isolation?: IsolationLevel; json?: boolean }) => {
      const result = await localUp({ tenantId: tenant, plan: planRef(opts.plan), isolation: opts.isolation });
      process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${renderLocal(result)}\n`);
    });
  local
    .command("down")
    .description("Remove everything `local up` made for the tenant, and only that.")
    .argument("<tenant>", "tenant ID")
    .action(async (tenant: string) => {
      const removed = await localDown(tenant);
      process.stderr.write(removed ? `tenant ${tenant} removed from local servers\n` : `tenant ${tenant} has no local state; nothing to remove\n`);
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildCli();
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (err.code?.startsWith("commander.")) {
      // commander already printed the problem and the help.
      return err.code === "commander.helpDisplayed" || err.code === "commander.version" ? 0 : 2;
    }
    process.stderr.write(`tenantctl: ${err.message ?? String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
