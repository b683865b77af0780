/**
 * The HTTP API service (issue 10): Fastify 5 with zod schemas as the single source of validation,
 * types and the OpenAPI document (@fastify/swagger), RFC 9457 problems, caller authentication
 * (api/auth.ts), a per-caller rate limit, a body size limit, structured JSON logs (pino) with the
 * request ID, caller and tenant on every line and credentials redacted, and in-process job queue
 * workers (cli/jobs) that stop gracefully on close.
 */
import fastifyRateLimit from "@fastify/rate-limit";
import fastifySwagger from "@fastify/swagger";
import Fastify, { type FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Engine } from "../cli/ops/engine";
import { type OpsQueue, openQueue } from "../cli/jobs/queue";
import { type RunningWorker, startWorker } from "../cli/jobs/worker";
import { type AuthConfig, type Caller, authenticate, callerName, credentialSource, operatorDigests } from "./auth";
import { ApiMetrics } from "./metrics";
import { ApiProblem, problemBody } from "./problems";
import { openCheckContext } from "./checks/connections";
import type { CheckContext } from "./checks/context";
import { registerCheckRoutes } from "./routes/checks";
import { registerJobRoutes } from "./routes/jobs";
import { registerServiceRoutes } from "./routes/service";
import { registerTenantRoutes } from "./routes/tenant";
import { type TokenRules, defaultTokenRules } from "./tenant-token";

declare module "fastify" {
  interface FastifyRequest {
    caller?: Caller;
  }
}

export interface ServerOptions {
  readonly engine: Engine;
  /** The operations database (job queue) URL. */
  readonly queueUrl: string;
  /** In-process workers; 0 = external workers (`tenantctl worker`). */
  readonly workers: number;
  /** CONTROLCORE_API_OPERATOR_TOKENS (comma list of tokens or sha256 hex digests). */
  readonly operatorTokens?: string;
  /** CONTROLCORE_API_JWKS_DIR: `<tenant>.json` JWKS and `<tenant>.apikeys.json` fingerprints. */
  readonly jwksDir?: string;
  readonly tokenRules?: TokenRules;
  /** Largest request body in bytes (default 64 KiB). */
  readonly bodyLimit?: number;
  /** Requests per caller per window (default 600 a minute). */
  readonly rateLimit?: { max: number; timeWindowMs: number };
  /** Where the JSON log lines go (default stdout); redaction applies whatever the stream. */
  readonly logStream?: NodeJS.WritableStream;
  readonly logLevel?: string;
  /** Seconds running jobs get to finish on close (default 30; pg-boss fails the rest, to be retried). */
  readonly graceSeconds?: number;
  readonly pollSeconds?: number;
  /**
   * Where the tenant checks look (health, metrics, limits, config): the PostgreSQL server and
   * Redis the tenants were set up on, and local mode's state dir. Must match the engine's targets.
   */
  readonly checks: { readonly databaseUrl: string; readonly redisUrl: string; readonly stateDir?: string };
}

export interface ApiContext {
  readonly engine: Engine;
  readonly queue: OpsQueue;
  readonly metrics: ApiMetrics;
  readonly checks: CheckContext;
}

/** Redacted from every log line: credential material never reaches the logs. */
export const LOG_REDACT = ["req.headers.authorization", "req.headers.cookie", 'req.headers["x-api-key"]', "headers.authorization"];

export async function buildServer(o: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: o.logLevel ?? "info", redact: { paths: LOG_REDACT, censor: "[redacted]" }, ...(o.logStream ? { stream: o.logStream } : {}) },
    bodyLimit: o.bodyLimit ?? 64 * 1024,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: false },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const queue = await openQueue(o.queueUrl, { supervise: o.workers > 0, maintenanceIntervalSeconds: 30, poolSize: Math.max(4, o.workers * 2 + 4) });
  let worker: RunningWorker | undefined;
  const metrics = new ApiMetrics();
  const auth: AuthConfig = {
    operatorDigests: operatorDigests(o.operatorTokens),
    credentials: credentialSource(o.engine, o.jwksDir),
    tokenRules: o.tokenRules ?? defaultTokenRules(),
  };
  // The checks' connections live as long as the server: an admin pool per database and one
  // shared admin Redis client (api/checks/connections.ts), closed on close.
  const opened = openCheckContext(o.checks);
  const checks = opened.ctx;
  const ctx: ApiContext = { engine: o.engine, queue, metrics, checks };

  app.addHook("onClose", async () => {
    if (worker) await worker.stop(o.graceSeconds ?? 30);
    await queue.close();
    await opened.close();
  });

  // Authentication before anything else; the service's own endpoints are open.
  const OPEN = new Set(["/health", "/ready", "/metrics", "/openapi.json"]);
  app.addHook("onRequest", async (req, reply) => {
    reply.header("x-request-id", req.id);
    const url = req.routeOptions.url;
    if (url && OPEN.has(url)) return;
    const r = await authenticate(req.headers.authorization, auth);
    if ("reason" in r) {
      req.log.info({ authFailure: r.reason }, "authentication refused");
      throw new ApiProblem("unauthorized", "missing, malformed or unknown credential");
    }
    req.caller = r.caller;
    const tenant = r.caller.kind === "tenant" ? r.caller.tenantId : undefined;
    const child = req.log.child({ caller: callerName(r.caller), ...(tenant ? { tenant } : {}) });
    req.log = child;
    reply.log = child;
  });

  // An operator's request names its tenant in the path or the body: bind it to the log lines too
  // (a tenant caller's lines already carry its own tenant, whatever it names).
  app.addHook("preHandler", async (req, reply) => {
    if (req.caller?.kind !== "operator") return;
    const named = (req.params as { tenantId?: unknown } | undefined)?.tenantId ?? (req.body as { tenantId?: unknown } | undefined)?.tenantId;
    if (typeof named !== "string") return;
    const child = req.log.child({ tenant: named });
    req.log = child;
    reply.log = child;
  });

  app.addHook("onResponse", async (req, reply) => {
    metrics.observe(req.method, req.routeOptions.url ?? "unmatched", reply.statusCode, reply.elapsedTime / 1000);
  });

  await app.register(fastifyRateLimit, {
    hook: "preHandler",
    max: o.rateLimit?.max ?? 600,
    timeWindow: o.rateLimit?.timeWindowMs ?? 60_000,
    keyGenerator: (req) => (req.caller ? callerName(req.caller) : `ip:${req.ip}`),
    allowList: (req) => OPEN.has(req.routeOptions.url ?? ""),
    errorResponseBuilder: (_req, c) => {
      const e = new ApiProblem("rate-limited", `rate limit of ${c.max} requests per ${c.after} exceeded for this caller`);
      return Object.assign(e, { statusCode: 429 });
    },
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.0.3",
      info: { title: "Control Core tenant isolation API", version: "1.0.0" },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", description: "An operator token, or the tenant's ES256 access token (JWT)" },
          apiKey: { type: "apiKey", in: "header", name: "Authorization", description: "`ApiKey <tenantId>:<key>`" },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    const send = (p: ReturnType<typeof problemBody>) => reply.status(p.status).type("application/problem+json").send(JSON.stringify(p));
    if (err instanceof ApiProblem) return send(problemBody(err.kind, err.detail, req.url, err.problems));
    if (hasZodFastifySchemaValidationErrors(err)) {
      const problems = err.validation.map((v) => ({
        path: `${err.validationContext ?? "body"}${v.instancePath.replace(/\//g, ".")}`.replace(/\.$/, ""),
        message: v.message ?? "invalid",
      }));
      return send(problemBody("invalid-request", `the request's ${err.validationContext ?? "body"} is invalid`, req.url, problems));
    }
    const code = (err as { code?: string }).code;
    const status = (err as { statusCode?: number }).statusCode;
    if (code === "FST_ERR_CTP_BODY_TOO_LARGE") return send(problemBody("payload-too-large", `the body exceeds ${o.bodyLimit ?? 65536} bytes`, req.url));
    if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return send(problemBody("unsupported-media-type", "send application/json", req.url));
    if (code === "FST_ERR_CTP_INVALID_JSON_BODY" || code === "FST_ERR_CTP_EMPTY_JSON_BODY" || (status === 400 && code?.startsWith("FST_ERR_CTP"))) {
      return send(problemBody("invalid-request", `the body is not valid JSON: ${err.message}`, req.url));
    }
    if (status === 429) return send(problemBody("rate-limited", err.message, req.url));
    req.log.error({ err }, "unhandled error");
    return send(problemBody("internal", "internal error; the request ID is in the x-request-id header", req.url));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).type("application/problem+json").send(JSON.stringify(problemBody("not-found", `no route ${req.method} ${req.url.split("?")[0]}`, req.url)));
  });

  registerServiceRoutes(app, ctx);
  registerJobRoutes(app, ctx);
  registerTenantRoutes(app, ctx);
  registerCheckRoutes(app, checks);

  await app.ready();
  if (o.workers > 0) {
    worker = await startWorker(queue, {
      engine: o.engine,
      concurrency: o.workers,
      pollSeconds: o.pollSeconds ?? 0.5,
      log: (e) => app.log.info({ job: e, ...(typeof e.tenant === "string" ? { tenant: e.tenant } : {}), caller: "worker" }, `job ${String(e.event)}`),
    });
  }
  return app;
}
