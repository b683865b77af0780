/**
 * Finding and reading the IAM-style policy documents inside a resource's inputs: identity
 * policies (`aws:iam/rolePolicy` `policy`), trust policies (`assumeRolePolicy`), key policies
 * (`aws:kms/key` `policy`), bucket, secret and topic policies. Pure: no Pulumi, no AWS.
 *
 * A document is any string input (at any depth) that parses as JSON with a `Statement`, so a
 * new resource type that carries a policy is checked without being listed here.
 * Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */

/** One statement, with the fields the isolation policies read, each normalized to an array. */
export interface Statement {
  readonly sid: string | undefined;
  readonly effect: string;
  readonly principals: readonly string[] | undefined;
  readonly notPrincipal: boolean;
  readonly actions: readonly string[];
  readonly notAction: boolean;
  readonly resources: readonly string[];
  readonly notResource: boolean;
  readonly condition: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** A policy document found at `path` (e.g. `policy`, `assumeRolePolicy`) of a resource's inputs. */
export interface FoundDocument {
  readonly path: string;
  readonly statements: readonly Statement[];
}

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/**
 * The principals of a statement as strings: `"*"` for the anonymous principal in either form
 * (`"Principal": "*"` or `{"AWS": "*"}`), else every ARN, service or federated name.
 */
function principals(p: unknown): string[] | undefined {
  if (p === undefined) return undefined;
  if (typeof p === "string") return [p];
  if (typeof p === "object" && p !== null) return Object.values(p).flatMap(list);
  return [String(p)];
}

function statement(s: Record<string, unknown>): Statement {
  return {
    sid: typeof s.Sid === "string" ? s.Sid : undefined,
    effect: String(s.Effect),
    principals: principals(s.Principal ?? s.NotPrincipal),
    notPrincipal: s.NotPrincipal !== undefined,
    actions: list(s.Action ?? s.NotAction),
    notAction: s.NotAction !== undefined,
    resources: list(s.Resource ?? s.NotResource),
    notResource: s.NotResource !== undefined,
    condition: (s.Condition ?? {}) as Statement["condition"],
  };
}

/** The statements of a document's text, or undefined when the text is not a policy document. */
export function parseDocument(text: string): Statement[] | undefined {
  const t = text.trim();
  if (!t.startsWith("{") || !t.includes("Statement")) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (typeof doc !== "object" || doc === null || !("Statement" in doc)) return undefined;
  const raw = (doc as { Statement: unknown }).Statement;
  const items = Array.isArray(raw) ? raw : [raw];
  return items.filter((s): s is Record<string, unknown> => typeof s === "object" && s !== null).map(statement);
}

/** Every policy document in a resource's inputs, with its key path. */
export function findDocuments(props: Record<string, unknown>): FoundDocument[] {
  const out: FoundDocument[] = [];
  const visit = (v: unknown, path: string): void => {
    if (typeof v === "string") {
      const statements = parseDocument(v);
      if (statements) out.push({ path, statements });
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, `${path}[${i}]`));
    } else if (typeof v === "object" && v !== null) {
      for (const [k, x] of Object.entries(v)) visit(x, path === "" ? k : `${path}.${k}`);
    }
  };
  visit(props, "");
  return out;
}

/** How a statement is named in a message: its Sid, else its position. */
export function statementLabel(doc: FoundDocument, s: Statement): string {
  return `${doc.path} statement ${s.sid !== undefined ? JSON.stringify(s.sid) : `#${doc.statements.indexOf(s) + 1}`}`;
}

/** Every value of a statement's condition on `key` (any operator), e.g. all `s3:prefix` values. */
export function conditionValues(s: Statement, key: string): { operator: string; values: string[] }[] {
  const out: { operator: string; values: string[] }[] = [];
  for (const [operator, block] of Object.entries(s.condition)) {
    for (const [k, v] of Object.entries(block)) if (k.toLowerCase() === key.toLowerCase()) out.push({ operator, values: list(v) });
  }
  return out;
}
