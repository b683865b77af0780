#!/usr/bin/env node
// The `tenantctl` command (package.json "bin"; `npx tenantctl`, `npm run -s tenantctl --`).
// Runs the JavaScript compiled into dist/ by `npm run build` (npm ci runs it), so no
// TypeScript is transpiled on a normal run. When a source is newer than the build, it says so
// on stderr and runs the TypeScript sources with tsx instead, never a stale build.
"use strict";
const path = require("node:path");
const { ROOT, BUILT_ENTRY, staleReason } = require("./build-state.cjs");

const argv = process.argv.slice(2);
const stale = staleReason();
if (stale === undefined) {
  require(BUILT_ENTRY).run(argv);
} else {
  process.stderr.write(`tenantctl: ${stale}; running the TypeScript sources (slower; \`npm run build\` makes it fast again)\n`);
  require("tsx/cjs/api").register();
  require(path.join(ROOT, "cli", "tenantctl.ts")).run(argv);
}
