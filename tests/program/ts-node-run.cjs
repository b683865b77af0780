// Loads index.ts the way Pulumi's Node.js language host does for a TypeScript project
// (@pulumi/pulumi cmd/run: ts-node registered with the project's tsconfig.json and its
// TypeScript, type checking on), with the engine replaced by runtime mocks.
// Usage: node tests/program/ts-node-run.cjs '<config JSON>' '<secret keys JSON>'
const path = require("node:path");
const root = path.resolve(__dirname, "..", "..");
process.chdir(root);
require("ts-node").register({
  compiler: "typescript",
  project: "tsconfig.json",
  skipProject: false,
  compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: true },
});
const pulumi = require("@pulumi/pulumi");
// The offline engine's placeholders give every output the shape the real provider returns.
const { placeholderState } = require(path.join(root, "cli/engine/placeholders.ts"));
(async () => {
  const registered = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        registered.push(a.type);
        return placeholderState(a);
      },
      call: () => {
        throw new Error("unmocked call");
      },
    },
    "controlcore-tenant",
    "acme",
    false,
  );
  pulumi.runtime.setAllConfig(JSON.parse(process.argv[2]), JSON.parse(process.argv[3]));
  const exported = await require(path.join(root, "index.ts"));
  await pulumi.runtime.disconnect();
  process.stdout.write(JSON.stringify({ outputs: Object.keys(exported).sort(), tenantId: exported.tenantId, types: [...new Set(registered)].sort() }));
})().catch((e) => {
  process.stderr.write(String(e && e.message ? e.message : e));
  process.exit(1);
});
