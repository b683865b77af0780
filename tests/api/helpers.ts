/**
 * A real API server on loopback for the tests: its own operations database and tenant database
 * (per test file), a temp state dir, the local engine against the local PostgreSQL and Redis,
 * in-process workers, and tenant credentials (an ES256 key pair and an API key per tenant)
 * published the way the API reads them (CONTROLCORE_API_JWKS_DIR files).
 */
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { type CryptoKey, SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import { Pool } from "pg";
import { LocalEngine } from "../../cli/ops/local-engine";
import { apiKeyFingerprint } from "../../components/security/api-key";
import { type ServerOptions, buildServer } from "../../api/server";
import { defaultTokenRules } from "../../api/tenant-token";
import { PG_ADMIN, PG_HOST, PG_PORT, adminClient, freshDatabase, tempStateDir } from "../helpers/pg";

export const OPERATOR_TOKEN = `op-${randomBytes(16).toString("hex")}`;
export const RULES = defaultTokenRules();

export interface TenantCreds {
  readonly tenantId: string;
  readonly privateKey: CryptoKey;
  readonly kid: string;
  readonly apiKey: string;
}

export async function tenantCreds(tenantId: string, dir: string, publish = true): Promise<TenantCreds> {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint({ kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! }, "sha256");
  const apiKey = randomBytes(24).toString("hex");
  if (publish) {
    fs.writeFileSync(path.join(dir, `${tenantId}.json`), JSON.stringify({ keys: [{ ...jwk, kid, alg: "ES256", use: "sig" }] }));
    fs.writeFileSync(path.join(dir, `${tenantId}.apikeys.json`), JSON.stringify([apiKeyFingerprint(apiKey)]));
  }
  return { tenantId, privateKey, kid, apiKey };
}

export interface TokenOpts {
  tenant?: string;
  audience?: string;
  issuer?: string;
  iat?: number;
  exp?: number;
  typ?: string;
}

/** A tenant access token as the platform signs them (ES256, at+jwt, thumbprint kid). */
export async function token(c: TenantCreds, o: TokenOpts = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tenant: o.tenant ?? c.tenantId })
    .setProtectedHeader({ alg: "ES256", kid: c.kid, typ: o.typ ?? "at+jwt" })
    .setIssuer(o.issuer ?? RULES.issuer)
    .setAudience(o.audience ?? RULES.audience)
    .setSubject("user-1")
    .setIssuedAt(o.iat ?? now)
    .setExpirationTime(o.exp ?? now + 600)
    .sign(c.privateKey);
}

/** An unsigned `alg: none` token with valid-looking claims. */
export function noneToken(tenantId: string): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: "none", typ: "at+jwt", kid: "x" })}.${b64({ tenant: tenantId, sub: "u", iss: RULES.issuer, aud: RULES.audience, iat: now, exp: now + 600 })}.`;
}

export interface TestApi {
  readonly app: FastifyInstance;
  readonly base: string;
  readonly jwksDir: string;
  readonly stateDir: string;
  readonly tenantDbUrl: string;
  readonly opsDbUrl: string;
  readonly logs: string[];
  /** The operations database (job records). */
  readonly opsPool: Pool;
  call(method: string, url: string, o?: { auth?: string; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any; text: string }>;
  close(): Promise<void>;
}

export async function startApi(prefix: string, extra: Partial<ServerOptions> = {}): Promise<TestApi> {
  const tenantDb = await freshDatabase(`${prefix}_t`);
  const opsName = `${prefix}_ops_${randomBytes(3).toString("hex")}`;
  const opsDbUrl = `postgresql://${PG_ADMIN}@${PG_HOST}:${PG_PORT}/${opsName}`;
  const stateDir = tempStateDir();
  const jwksDir = fs.mkdtempSync(path.join(os.tmpdir(), "api-jwks-"));
  const logs: string[] = [];
  const logStream = new Writable({ write(chunk, _e, cb) { logs.push(...chunk.toString().split("\n").filter(Boolean)); cb(); } });
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const app = await buildServer({
    engine: new LocalEngine({ targets: { databaseUrl: tenantDb.url, redisUrl }, stateDir }),
    checks: { databaseUrl: tenantDb.url, redisUrl, stateDir },
    queueUrl: opsDbUrl,
    workers: 2,
    // One token given as its sha256 digest, as production would configure it.
    operatorTokens: `unused-token,${createHash("sha256").update(OPERATOR_TOKEN).digest("hex")}`,
    jwksDir,
    logStream,
    graceSeconds: 20,
    ...extra,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address() as { port: number };
  const base = `http://127.0.0.1:${addr.port}`;
  const opsPool = new Pool({ connectionString: opsDbUrl, max: 2 });
  return {
    app, base, jwksDir, stateDir, tenantDbUrl: tenantDb.url, opsDbUrl, logs, opsPool,
    async call(method, url, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.auth) headers.authorization = o.auth;
      let body: string | undefined;
      if (o.raw !== undefined) body = o.raw;
      else if (o.body !== undefined) body = JSON.stringify(o.body);
      if (body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
      const r = await fetch(`${base}${url}`, { method, headers, body });
      const text = await r.text();
      let parsed: unknown = text;
      try { parsed = JSON.parse(text); } catch { /* text */ }
      return { status: r.status, headers: r.headers, body: parsed, text };
    },
    async close() {
      await opsPool.end();
      await app.close(); // a second close (after a test closed it) resolves at once
      await tenantDb.drop();
      const c = await adminClient();
      try { await c.query(`DROP DATABASE IF EXISTS "${opsName}" WITH (FORCE)`); } finally { await c.end(); }
      fs.rmSync(stateDir, { recursive: true, force: true });
      fs.rmSync(jwksDir, { recursive: true, force: true });
    },
  };
}

export const OP = `Bearer ${OPERATOR_TOKEN}`;

export async function waitJob(api: TestApi, jobId: string, timeoutMs = 90_000): Promise<any> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await api.call("GET", `/api/v1/jobs/${jobId}`, { auth: OP });
    if (r.status !== 200) throw new Error(`job ${jobId}: ${r.status} ${r.text}`);
    if (["succeeded", "failed", "cancelled"].includes(r.body.state)) return r.body;
    if (Date.now() > end) throw new Error(`job ${jobId} still ${r.body.state}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}
