#!/usr/bin/env node
// `npm run build` (and npm's `prepare`, which `npm ci` runs): compiles cli/ and everything it
// imports to JavaScript in dist/ with the project's TypeScript, copies the shipped plan files
// beside the compiled plan loader, and stamps the build with the time it started (so a source
// saved during the build makes it stale). Exits non-zero on a type error.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { ROOT, DIST, STAMP } = require("./build-state.cjs");

const started = new Date();
fs.rmSync(DIST, { recursive: true, force: true });
const tsc = require.resolve("typescript/bin/tsc", { paths: [ROOT] });
const r = spawnSync(process.execPath, [tsc, "-p", path.join(ROOT, "tsconfig.build.json")], { cwd: ROOT, stdio: "inherit" });
if (r.status !== 0) {
  process.stderr.write("build: tsc failed; dist/ is incomplete and bin/tenantctl.cjs will run the sources\n");
  process.exit(r.status ?? 1);
}
// plans/load.ts finds the shipped plans beside itself.
for (const f of fs.readdirSync(path.join(ROOT, "plans"))) {
  if (/\.ya?ml$/.test(f)) fs.copyFileSync(path.join(ROOT, "plans", f), path.join(DIST, "plans", f));
}
fs.writeFileSync(STAMP, `${started.toISOString()}\n`);
fs.utimesSync(STAMP, started, started);
