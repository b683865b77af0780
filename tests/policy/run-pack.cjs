// Starts the policy pack the way Pulumi's Node.js host does for `pulumi preview --policy-pack
// policy` (@pulumi/pulumi cmd/run-policy-pack: working directory = the pack, ts-node registered
// with the pack's tsconfig.json and the project's TypeScript, type checking on), then requires
// its entry file. PolicyPack prints the gRPC port on stdout and keeps serving.
// Usage: node tests/policy/run-pack.cjs <pack directory> [module to require instead of index.ts]
const path = require("node:path");
process.chdir(path.resolve(process.argv[2]));
require("ts-node").register({
  typeCheck: true,
  skipProject: false,
  compiler: "typescript",
  compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: true },
});
require(path.join(process.cwd(), process.argv[3] ?? "index.ts"));
