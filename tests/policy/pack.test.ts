/**
 * The policy pack as `pulumi preview --policy-pack policy` runs it: policy/index.ts started the
 * way Pulumi's Node.js host starts a pack (tests/policy/run-pack.cjs), then asked over its own
 * gRPC analyzer protocol, as the Pulumi engine asks it, to analyze deliberately broken resources.
 * And: importing the policies starts no server (only policy/index.ts constructs the PolicyPack).
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProgram } from "../../cli/offline-plan";
import { policyViews } from "../../cli/policy-check";
import { evaluatePolicies, ISOLATION_POLICIES } from "../../policy/isolation-policies";
import { policyPackConfig, stackOfUrn, tenantContext } from "../../policy/crossguard";

const ROOT = path.resolve(__dirname, "../..");
const RUN_PACK = path.join(ROOT, "tests/policy/run-pack.cjs");
const req = createRequire(path.join(ROOT, "package.json"));
const grpc = req("@grpc/grpc-js");
const pb = req("@pulumi/pulumi/proto/analyzer_pb.js");
const { AnalyzerClient } = req("@pulumi/pulumi/proto/analyzer_grpc_pb.js");
const { Struct } = req("google-protobuf/google/protobuf/struct_pb.js");
const { Empty } = req("google-protobuf/google/protobuf/empty_pb.js");

/** Runs `module` in the pack directory; resolves when it exits or after `ms` (still running). */
function runModule(module: string, ms: number): Promise<{ code: number | null; stdout: string; running: boolean; child: ChildProcess }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUN_PACK, path.join(ROOT, "policy"), module], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout!.on("data", (d) => (stdout += d));
    const timer = setTimeout(() => resolve({ code: null, stdout, running: true, child }), ms);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, running: false, child });
    });
  });
}

describe("importing the policies starts no policy server", () => {
  it("policy/index.ts is the only source that constructs a PolicyPack", () => {
    const sources = (dir: string): string[] =>
      fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(path.join(dir, e.name)) : /\.ts$/.test(e.name) ? [path.join(dir, e.name)] : [],
      );
    const constructing = ["policy", "cli", "components", "plans", "platform"]
      .flatMap(sources)
      .concat(["index.ts"])
      .filter((f) => /new\s+PolicyPack\s*\(/.test(fs.readFileSync(path.join(ROOT, f), "utf8")));
    expect(constructing).toEqual([path.join("policy", "index.ts")]);
  });


  it.each([["isolation-policies.ts"], ["crossguard.ts"]])("%s loads and the process exits by itself, printing nothing", async (module) => {
    const r = await runModule(module, 40_000);
    expect(r.running).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
  });
});

describe("policy/index.ts serves the pack over CrossGuard's analyzer protocol", () => {
  let child: ChildProcess | undefined;
  let client: any;
  const call = <T>(method: string, request: unknown): Promise<T> =>
    new Promise((resolve, reject) => client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));

  beforeAll(async () => {
    // The pack prints its port and keeps serving: still running after it printed.
    const started = await new Promise<{ port: number; child: ChildProcess }>((resolve, reject) => {
      const c = spawn(process.execPath, [RUN_PACK, path.join(ROOT, "policy")], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      c.stderr!.on("data", (d) => (err += d));
      c.stdout!.on("data", (d) => {
        out += d;
        const m = out.match(/^(\d+)\s*$/m);
        if (m) resolve({ port: Number(m[1]), child: c });
      });
      c.on("exit", (code) => reject(new Error(`pack exited with ${code}: ${err}`)));
    });
    child = started.child;
    client = new AnalyzerClient(`127.0.0.1:${started.port}`, grpc.credentials.createInsecure());
  }, 90_000);

  afterAll(() => {
    client?.close();
    if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGKILL");
  });

  const resource = (cls: any, type: string, name: string, props: Record<string, unknown>) => {
    const r = new cls();
    r.setType(type);
    r.setName(name);
    r.setUrn(`urn:pulumi:acme::controlcore-tenant::controlcore:tenant:TenantStack$${type}::${name}`);
    r.setProperties(Struct.fromJavaScript(props));
    // The engine always sends the resource's options (the pack refuses a request without them).
    r.setOptions(new pb.AnalyzerResourceOptions());
    return r;
  };
  const diagnostics = (res: any) =>
    res.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), mandatory: d.getEnforcementlevel() === pb.EnforcementLevel.MANDATORY, message: d.getMessage() }));

  it("the server stays up after printing its port, and describes every policy as mandatory", async () => {
    expect(child!.exitCode).toBeNull();
    const info = await call<any>("getAnalyzerInfo", new Empty());
    expect(info.getName()).toBe("controlcore-tenant-isolation");
    const policies = info.getPoliciesList().map((p: any) => [p.getName(), p.getEnforcementlevel() === pb.EnforcementLevel.MANDATORY]);
    expect(policies).toEqual(ISOLATION_POLICIES.map((p) => [p.name, true]));
  });

  it("Analyze: a KMS key with rotation off and a 7-day window is refused, mandatory, with the offline check's messages", async () => {
    const tags = { "controlcore:tenant": "acme" };
    const res = await call<any>(
      "analyze",
      resource(pb.AnalyzeRequest, "aws:kms/key:Key", "acme-identity-key", { enableKeyRotation: false, deletionWindowInDays: 7, tags }),
    );
    expect(diagnostics(res)).toEqual([
      { policy: "kms-rotation-and-deletion-window", mandatory: true, message: expect.stringContaining("enableKeyRotation: got false; expected true") },
      { policy: "kms-rotation-and-deletion-window", mandatory: true, message: expect.stringContaining("deletionWindowInDays: got 7; expected at least 30") },
    ]);
    const ok = await call<any>("analyze", resource(pb.AnalyzeRequest, "aws:kms/key:Key", "acme-identity-key", { enableKeyRotation: true, deletionWindowInDays: 30, tags }));
    expect(diagnostics(ok)).toEqual([]);
  });

  it("Analyze: the tenant is the stack's (URN), so another tenant's tag is refused", async () => {
    const res = await call<any>("analyze", resource(pb.AnalyzeRequest, "aws:sns/topic:Topic", "t", { name: "cc-tenant-acme--alarms", tags: { "controlcore:tenant": "bob" } }));
    expect(diagnostics(res)).toEqual([{ policy: "tenant-tag", mandatory: true, message: expect.stringContaining('tags.controlcore:tenant: got "bob"; expected "acme"') }]);
  });

  it("Analyze during a preview: an unknown input does not hide a wildcard principal in a known document; a policy that needs the unknown value is advisory", async () => {
    const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; // the engine's unknown-string sentinel
    const policy = JSON.stringify({ Statement: [{ Sid: "Open", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/tenants/acme/*" }] });
    const res = await call<any>("analyze", resource(pb.AnalyzeRequest, "aws:s3/bucketPolicy:BucketPolicy", "p", { bucket: UNKNOWN, policy }));
    expect(diagnostics(res)).toEqual([
      { policy: "no-wildcard-principal-allow", mandatory: true, message: expect.stringContaining('policy statement "Open": Allow to principal "*"') },
    ]);
    const topic = await call<any>("analyze", resource(pb.AnalyzeRequest, "aws:sns/topic:Topic", "t", { name: "x", tags: UNKNOWN }));
    expect(diagnostics(topic)).toEqual([
      { policy: "tenant-tag", mandatory: false, message: expect.stringContaining("can't run policy 'tenant-tag'") },
    ]);
  });

  it("AnalyzeStack: a log group encrypted with a key that is not the tenant's is refused", async () => {
    const request = new pb.AnalyzeStackRequest();
    request.setResourcesList([
      resource(pb.AnalyzerResource, "aws:kms/key:Key", "k", { arn: "arn:aws:kms:us-east-1:1:key/acme", tags: { "controlcore:tenant": "acme" } }),
      resource(pb.AnalyzerResource, "aws:cloudwatch/logGroup:LogGroup", "g", { kmsKeyId: "arn:aws:kms:us-east-1:1:key/other", retentionInDays: 30 }),
    ]);
    const res = await call<any>("analyzeStack", request);
    expect(diagnostics(res)).toEqual([
      { policy: "log-group-tenant-key-and-retention", mandatory: true, message: expect.stringContaining('kmsKeyId: got "arn:aws:kms:us-east-1:1:key/other"') },
    ]);
  });
});

describe("written once, run two ways: CrossGuard and the offline check agree on the real program", () => {
  let child: ChildProcess | undefined;
  let client: any;
  const call = <T>(method: string, request: unknown): Promise<T> =>
    new Promise((resolve, reject) => client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));

  beforeAll(async () => {
    const port = await new Promise<number>((resolve, reject) => {
      child = spawn(process.execPath, [RUN_PACK, path.join(ROOT, "policy")], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout!.on("data", (d) => {
        out += d;
        const m = out.match(/^(\d+)\s*$/m);
        if (m) resolve(Number(m[1]));
      });
      child.on("exit", (code) => reject(new Error(`pack exited with ${code}`)));
    });
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }, 90_000);

  afterAll(() => {
    client?.close();
    if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGKILL");
  });

  /** Every resource of the run sent to the pack as the engine sends it (inputs, then the stack's outputs), as stack `stack`. */
  async function crossGuard(views: ReturnType<typeof policyViews>): Promise<string[]> {
    const toPb = (cls: any, v: { type: string; urn: string; name: string; props: Record<string, unknown> }) => {
      const r = new cls();
      r.setType(v.type);
      r.setName(v.name);
      r.setUrn(v.urn);
      r.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(v.props))));
      r.setOptions(new pb.AnalyzerResourceOptions());
      return r;
    };
    const found: string[] = [];
    const collect = (res: any, urn?: string) => {
      for (const d of res.getDiagnosticsList()) {
        const level = d.getEnforcementlevel() === pb.EnforcementLevel.MANDATORY ? "mandatory" : "advisory";
        found.push(`${d.getPolicyname()} ${level} ${urn ?? d.getUrn()}: ${d.getMessage().split("\n").slice(1).join("\n")}`);
      }
    };
    for (const v of views) collect(await call<any>("analyze", toPb(pb.AnalyzeRequest, v.inputs)), v.inputs.urn);
    const stack = new pb.AnalyzeStackRequest();
    stack.setResourcesList(views.map((v) => toPb(pb.AnalyzerResource, v.outputs)));
    collect(await call<any>("analyzeStack", stack));
    return found.sort();
  }

  const asStack = (views: ReturnType<typeof policyViews>, stack: string) =>
    views.map(({ inputs, outputs }) => {
      const urn = inputs.urn.replace(/^urn:pulumi:[^:]+::/, `urn:pulumi:${stack}::`);
      return { inputs: { ...inputs, urn }, outputs: { ...outputs, urn } };
    });

  it("the pro plan of tenant acme: no diagnostic from either run", async () => {
    const { resources } = await runProgram({ tenantId: "acme", plan: "pro" });
    const views = policyViews(resources);
    expect(await crossGuard(views)).toEqual([]);
    expect(evaluatePolicies(views, { tenantId: "acme" })).toEqual([]);
  });

  it("the custom plan of acme checked as stack bob: the same violations, word for word, from both runs", async () => {
    const { resources } = await runProgram({ tenantId: "acme", plan: "custom" });
    const views = asStack(policyViews(resources), "bob");
    const offline = evaluatePolicies(views, { tenantId: "bob" }).map((v) => `${v.policy} ${v.enforcementLevel} ${v.urn}: ${v.message}`).sort();
    expect(offline.length).toBeGreaterThan(20);
    expect(await crossGuard(views)).toEqual(offline);
  });
});

describe("whose stack CrossGuard checks", () => {
  it("the policy config's tenantId, else the stack tag, else the stack name of the URN", () => {
    const urn = "urn:pulumi:dev::controlcore-tenant::aws:kms/key:Key::k";
    expect(stackOfUrn(urn)).toBe("dev");
    expect(tenantContext({ urn }).tenantId).toBe("dev");
    expect(tenantContext({ urn, stackTags: new Map([["controlcore:tenant", "acme"]]) }).tenantId).toBe("acme");
    expect(tenantContext({ urn, stackTags: new Map([["controlcore:tenant", "acme"]]), config: { tenantId: "bob", otherTenants: ["x"] } })).toEqual({
      tenantId: "bob",
      otherTenants: ["x"],
    });
  });

  it("policyPackConfig names the tenant for every policy (the file --policy-pack-config takes)", () => {
    const config = policyPackConfig("acme", ["bob"]);
    expect(Object.keys(config)).toEqual(ISOLATION_POLICIES.map((p) => p.name));
    expect(new Set(Object.values(config).map((c) => JSON.stringify(c)))).toEqual(new Set([JSON.stringify({ tenantId: "acme", otherTenants: ["bob"] })]));
  });
});
