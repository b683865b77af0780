/**
 * Every error of the HTTP API is `application/problem+json` (RFC 9457) with a stable `type` per
 * error kind: clients branch on `type`, never on `detail`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
import { z } from "zod";

export const PROBLEM_BASE = "https://controlcore.io/problems/";

/** Error kinds and their HTTP status. Stable: clients match on `${PROBLEM_BASE}${kind}`. */
export const PROBLEM_KINDS = {
  "invalid-request": 400,
  unauthorized: 401,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  "idempotency-key-reused": 422,
  "payload-too-large": 413,
  "unsupported-media-type": 415,
  "rate-limited": 429,
  unavailable: 503,
  internal: 500,
} as const;
export type ProblemKind = keyof typeof PROBLEM_KINDS;

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  problems: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ProblemBody = z.infer<typeof ProblemSchema>;

const TITLES: Record<ProblemKind, string> = {
  "invalid-request": "The request is invalid",
  unauthorized: "Authentication required",
  forbidden: "Not allowed",
  "not-found": "Not found",
  conflict: "Conflicting operation",
  "idempotency-key-reused": "Idempotency-Key reused with a different request",
  "payload-too-large": "Request body too large",
  "unsupported-media-type": "Unsupported media type",
  "rate-limited": "Too many requests",
  unavailable: "Service unavailable",
  internal: "Internal error",
};

/** A problem the handlers throw; the error handler renders it. */
export class ApiProblem extends Error {
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly problems?: Array<{ path: string; message: string }>,
  ) {
    super(detail);
    this.name = "ApiProblem";
  }
  get status(): number {
    return PROBLEM_KINDS[this.kind];
  }
}

export function problemBody(kind: ProblemKind, detail: string, instance?: string, problems?: Array<{ path: string; message: string }>): ProblemBody {
  return {
    type: `${PROBLEM_BASE}${kind}`,
    title: TITLES[kind],
    status: PROBLEM_KINDS[kind],
    detail,
    ...(instance ? { instance } : {}),
    ...(problems && problems.length > 0 ? { problems } : {}),
  };
}

/** Response schemas of the problem statuses a route may answer with (for OpenAPI). */
export function problemResponses(...kinds: ProblemKind[]): Record<number, typeof ProblemSchema> {
  const out: Record<number, typeof ProblemSchema> = {};
  for (const k of ["unauthorized", "rate-limited", "internal", ...kinds] as ProblemKind[]) out[PROBLEM_KINDS[k]] = ProblemSchema;
  return out;
}
