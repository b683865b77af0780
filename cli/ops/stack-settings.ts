/**
 * Pure: a tenant + its plan + the platform inputs → the Pulumi stack the Pulumi engine operates.
 * Stack name = tenant ID; the project and org come from the environment (or options); config
 * keys and values are exactly what `index.ts` / `readStackConfig` read; secrets are listed apart
 * and set as secrets. Nothing here loads the Pulumi SDK or touches the network, so every mapping
 * is tested as a function (tests/ops/engines/stack-settings.test.ts).
 */
import type { Problem } from "../../components/errors";
import { CONFIG_NAMESPACE } from "../../components/platform-config";
import { deepMerge } from "../../plans/load";

/** A stack config value as the Automation API's `setAllConfig` takes it (`ConfigMap`). */
export interface ConfigEntry {
  readonly value: string;
  readonly secret: boolean;
}

/** The platform source: a stack config file read by `cli/engine/stack-file.ts`. */
export interface PlatformSource {
  /** `namespace:key` → value (objects stay objects). */
  readonly values: Readonly<Record<string, unknown>>;
  /** Keys the file holds encrypted (`secure:`): their values cannot be read without the Pulumi CLI. */
  readonly secretKeys: readonly string[];
}

/** The secrets of a tenant stack; the engine takes them from the environment ({@link SECRET_ENV}). */
export interface StackSecrets {
  readonly postgresAdminPassword?: string;
  readonly kubeconfig?: string;
}

/** Environment variables the secrets are read from (never command-line arguments: they leak into `ps`). */
export const SECRET_ENV = {
  postgresAdminPassword: "CONTROLCORE_POSTGRES_ADMIN_PASSWORD",
  kubeconfig: "CONTROLCORE_KUBECONFIG",
} as const;

/** Where the project, org and backend come from (environment or options). */
export interface StackLocation {
  /** Pulumi Cloud organization (`PULUMI_ORG`); absent: the backend's default (the user, or `organization` on a DIY backend). */
  readonly org?: string;
  /** Pulumi project (`TENANTCTL_PULUMI_PROJECT`); @default the project in Pulumi.yaml, {@link CONFIG_NAMESPACE} */
  readonly project?: string;
  /** Backend URL (`PULUMI_BACKEND_URL`: `https://api.pulumi.com`, `s3://...`, `file://...`); absent: the CLI's login. */
  readonly backendUrl?: string;
}

export interface StackSettingsInput {
  readonly tenantId: string;
  /** `pro`, `custom` or the path of a plan file. */
  readonly plan: string;
  /** The request's plan overrides (isolation level included; see `requestOverrides`). */
  readonly overrides?: Record<string, unknown>;
  readonly platform: PlatformSource;
  readonly secrets: StackSecrets;
  readonly location?: StackLocation;
}

/** What the Pulumi engine needs to select the stack and set its config. */
export interface TenantStackSettings {
  /** The stack name: the tenant ID. */
  readonly stackName: string;
  readonly projectName: string;
  readonly org?: string;
  /** `org/project/stack` when an org is set, else the stack name (resolved by the backend). */
  readonly qualifiedName: string;
  /** Project settings of the inline program's workspace. */
  readonly projectSettings: {
    readonly name: string;
    readonly runtime: { readonly name: "nodejs"; readonly options: { readonly typescript: boolean } };
    readonly backend?: { readonly url: string };
  };
  /** Every config key the program reads, values as strings (objects as JSON). */
  readonly config: Readonly<Record<string, ConfigEntry>>;
  /** The keys of {@link config} set as secrets. */
  readonly secretKeys: readonly string[];
}

const key = (k: string) => `${CONFIG_NAMESPACE}:${k}`;

/** Keys a request decides (never taken from the platform file). */
const REQUEST_KEYS = ["tenantId", "plan", "planOverrides"].map(key);

/** The location from environment variables. */
export function stackLocationFromEnv(env: Readonly<Record<string, string | undefined>>): StackLocation {
  return {
    ...(env.PULUMI_ORG ? { org: env.PULUMI_ORG } : {}),
    ...(env.TENANTCTL_PULUMI_PROJECT ? { project: env.TENANTCTL_PULUMI_PROJECT } : {}),
    ...(env.PULUMI_BACKEND_URL ? { backendUrl: env.PULUMI_BACKEND_URL } : {}),
  };
}

/** The secrets from environment variables ({@link SECRET_ENV}). */
export function stackSecretsFromEnv(env: Readonly<Record<string, string | undefined>>): StackSecrets {
  return {
    ...(env[SECRET_ENV.postgresAdminPassword] ? { postgresAdminPassword: env[SECRET_ENV.postgresAdminPassword] } : {}),
    ...(env[SECRET_ENV.kubeconfig] ? { kubeconfig: env[SECRET_ENV.kubeconfig] } : {}),
  };
}

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** Problems with the location (names Pulumi accepts: letters, digits, `-`, `_`, `.`). */
export function stackLocationProblems(loc: StackLocation): Problem[] {
  const problems: Problem[] = [];
  if (loc.org !== undefined && !NAME.test(loc.org)) {
    problems.push({ path: "PULUMI_ORG", message: `got ${JSON.stringify(loc.org)}; expected an organization name (letters, digits, -, _, .)` });
  }
  if (loc.project !== undefined && !NAME.test(loc.project)) {
    problems.push({ path: "TENANTCTL_PULUMI_PROJECT", message: `got ${JSON.stringify(loc.project)}; expected a project name (letters, digits, -, _, .)` });
  }
  return problems;
}

/**
 * The stack of a tenant. The platform file's keys pass through (the platform, `aws:region`, the
 * tenant's own settings); its tenantId, plan and planOverrides are replaced by the request's,
 * except that a file made for this very tenant (its tenantId is the tenant) keeps its overrides
 * under the request's. Secrets come only from {@link StackSecrets}: the file's encrypted values
 * cannot be read here, so a secret the program needs and no one gave is a problem, not a
 * placeholder.
 */
export function tenantStackSettings(input: StackSettingsInput): { settings?: TenantStackSettings; problems: Problem[] } {
  const problems = stackLocationProblems(input.location ?? {});
  const file = input.platform.values;
  const config: Record<string, ConfigEntry> = {
    [key("tenantId")]: { value: input.tenantId, secret: false },
    [key("plan")]: { value: input.plan, secret: false },
  };
  const fileSecret = new Set(input.platform.secretKeys);
  for (const [k, v] of Object.entries(file)) {
    if (REQUEST_KEYS.includes(k) || fileSecret.has(k)) continue;
    config[k] = { value: typeof v === "string" ? v : JSON.stringify(v), secret: false };
  }
  const own = file[key("tenantId")] === input.tenantId ? file[key("planOverrides")] : undefined;
  const overrides = own !== undefined ? deepMerge(own, input.overrides ?? {}) : input.overrides;
  if (overrides !== undefined && Object.keys(overrides as object).length > 0) {
    config[key("planOverrides")] = { value: JSON.stringify(overrides), secret: false };
  }
  const secretKeys: string[] = [];
  const platformStack = file[key("platformStack")];
  if (input.secrets.postgresAdminPassword !== undefined) {
    config[key("postgresAdminPassword")] = { value: input.secrets.postgresAdminPassword, secret: true };
    secretKeys.push(key("postgresAdminPassword"));
  } else if (!platformStack) {
    problems.push({
      path: SECRET_ENV.postgresAdminPassword,
      message: `missing; the Pulumi engine sets ${key("postgresAdminPassword")} as a secret from this environment variable (or set platformStack in the stack config)`,
    });
  }
  if (input.secrets.kubeconfig !== undefined) {
    config[key("kubeconfig")] = { value: input.secrets.kubeconfig, secret: true };
    secretKeys.push(key("kubeconfig"));
  }
  if (problems.length > 0) return { problems };
  const projectName = input.location?.project ?? CONFIG_NAMESPACE;
  const org = input.location?.org;
  return {
    problems: [],
    settings: {
      stackName: input.tenantId,
      projectName,
      ...(org ? { org } : {}),
      qualifiedName: org ? `${org}/${projectName}/${input.tenantId}` : input.tenantId,
      projectSettings: {
        name: projectName,
        runtime: { name: "nodejs", options: { typescript: true } },
        ...(input.location?.backendUrl ? { backend: { url: input.location.backendUrl } } : {}),
      },
      config,
      secretKeys,
    },
  };
}

/** Where `--remote` finds the program: a git repository Pulumi Deployments clones. */
export interface RemoteSource {
  /** `TENANTCTL_REMOTE_URL`: the repository's clone URL. */
  readonly url?: string;
  /** `TENANTCTL_REMOTE_BRANCH` (e.g. `refs/heads/main`); or a commit. */
  readonly branch?: string;
  readonly commitHash?: string;
  /** `TENANTCTL_REMOTE_PROJECT_PATH`: the project's folder in the repository. */
  readonly projectPath?: string;
  /** `TENANTCTL_REMOTE_GIT_TOKEN`: a personal access token for a private repository (a secret). */
  readonly token?: string;
}

export function remoteSourceFromEnv(env: Readonly<Record<string, string | undefined>>): RemoteSource {
  const pick = (name: string) => (env[name] ? env[name] : undefined);
  return Object.fromEntries(
    Object.entries({
      url: pick("TENANTCTL_REMOTE_URL"),
      branch: pick("TENANTCTL_REMOTE_BRANCH"),
      commitHash: pick("TENANTCTL_REMOTE_COMMIT"),
      projectPath: pick("TENANTCTL_REMOTE_PROJECT_PATH"),
      token: pick("TENANTCTL_REMOTE_GIT_TOKEN"),
    }).filter(([, v]) => v !== undefined),
  ) as RemoteSource;
}

/** The arguments of `RemoteWorkspace.createOrSelectStack(args, opts)` (structurally the SDK's types). */
export interface RemoteStackSettings {
  readonly args: {
    readonly stackName: string;
    readonly url: string;
    readonly projectPath?: string;
    readonly branch?: string;
    readonly commitHash?: string;
    readonly auth?: { readonly personalAccessToken: string };
  };
  readonly opts: {
    readonly envVars: Record<string, string | { secret: string }>;
    readonly preRunCommands: string[];
  };
}

/** A word quoted for a POSIX shell (the deployment runs pre-run commands in one). */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The env var name a secret config key is passed to the deployment in. */
export function remoteSecretEnv(configKey: string): string {
  return `TENANTCTL_SECRET_${configKey.split(":").pop()!.replace(/[^A-Za-z0-9]/g, "_").toUpperCase()}`;
}

/**
 * `--remote`: the same stack through Pulumi Deployments. A remote stack's name must be fully
 * qualified (org/project/stack), so an org is required. The deployment clones the repository and
 * runs `pulumi` there; the config is set by pre-run commands (plain values in the command,
 * secrets only through secret environment variables piped to `pulumi config set --secret`, so no
 * secret value appears in a command line).
 */
export function remoteStackSettings(s: TenantStackSettings, source: RemoteSource): { settings?: RemoteStackSettings; problems: Problem[] } {
  const problems: Problem[] = [];
  if (!s.org) problems.push({ path: "PULUMI_ORG", message: "missing; --remote needs the Pulumi Cloud organization (remote stack names are org/project/stack)" });
  if (!source.url) problems.push({ path: "TENANTCTL_REMOTE_URL", message: "missing; --remote needs the git URL of the repository holding this project" });
  if (source.branch && source.commitHash) {
    problems.push({ path: "TENANTCTL_REMOTE_COMMIT", message: "got both a branch and a commit; expected one of TENANTCTL_REMOTE_BRANCH, TENANTCTL_REMOTE_COMMIT" });
  }
  if (problems.length > 0) return { problems };
  const stack = s.qualifiedName;
  const plain = Object.entries(s.config).filter(([, v]) => !v.secret);
  const envVars: Record<string, string | { secret: string }> = {};
  const preRunCommands = [
    `pulumi config set-all --stack ${shellQuote(stack)} ${plain.map(([k, v]) => `--plaintext ${shellQuote(`${k}=${v.value}`)}`).join(" ")}`,
  ];
  for (const k of s.secretKeys) {
    const name = remoteSecretEnv(k);
    envVars[name] = { secret: s.config[k]!.value };
    preRunCommands.push(`printenv ${name} | pulumi config set --secret --stack ${shellQuote(stack)} ${shellQuote(k)}`);
  }
  return {
    problems: [],
    settings: {
      args: {
        stackName: stack,
        url: source.url!,
        ...(source.projectPath ? { projectPath: source.projectPath } : {}),
        ...(source.branch ? { branch: source.branch } : {}),
        ...(source.commitHash ? { commitHash: source.commitHash } : {}),
        ...(source.token ? { auth: { personalAccessToken: source.token } } : {}),
      },
      opts: { envVars, preRunCommands },
    },
  };
}

/**
 * The `Pulumi.<tenant>.yaml` `tenantctl init` writes: the stack config as YAML values (objects
 * stay objects), without secrets (they are encrypted by the Pulumi CLI: `pulumi config set
 * --secret`, or given to the engine in {@link SECRET_ENV}).
 */
export function stackFileConfig(input: Omit<StackSettingsInput, "secrets" | "location">): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fileSecret = new Set(input.platform.secretKeys);
  for (const [k, v] of Object.entries(input.platform.values)) {
    if (!REQUEST_KEYS.includes(k) && !fileSecret.has(k)) out[k] = v;
  }
  const own = input.platform.values[key("tenantId")] === input.tenantId ? input.platform.values[key("planOverrides")] : undefined;
  const overrides = own !== undefined ? deepMerge(own, input.overrides ?? {}) : input.overrides;
  const head: Record<string, unknown> = { [key("tenantId")]: input.tenantId, [key("plan")]: input.plan };
  if (overrides !== undefined && Object.keys(overrides as object).length > 0) head[key("planOverrides")] = overrides;
  return { ...head, ...out };
}
