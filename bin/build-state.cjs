// Whether dist/ (the compiled tenantctl) is current: built after the last change to any source
// it may compile (cli/, api/, components/, plans/, policy/, the tsconfig files). Pure Node, no dependencies,
// a few milliseconds: bin/tenantctl.cjs asks it on every run.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const DIST = path.join(ROOT, "dist");
/** Written by bin/build.cjs with the time the build started. */
const STAMP = path.join(DIST, ".build-stamp");
/** The compiled command. */
const BUILT_ENTRY = path.join(DIST, "cli", "tenantctl.js");
const SOURCE_DIRS = ["cli", "api", "components", "plans", "policy"];
const SOURCE_FILES = ["tsconfig.json", "tsconfig.build.json"];

/** The newest source file: { file, mtimeMs }. */
function newestSource() {
  let newest = { file: "", mtimeMs: 0 };
  const visit = (file, stat) => {
    if (stat.mtimeMs > newest.mtimeMs) newest = { file, mtimeMs: stat.mtimeMs };
  };
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|ya?ml)$/.test(e.name)) visit(p, fs.statSync(p));
    }
  };
  for (const d of SOURCE_DIRS) walk(path.join(ROOT, d));
  for (const f of SOURCE_FILES) {
    const p = path.join(ROOT, f);
    if (fs.existsSync(p)) visit(p, fs.statSync(p));
  }
  return newest;
}

/** Why dist/ cannot be used (missing, or older than a source file), or undefined when it is current. */
function staleReason() {
  let built;
  try {
    built = fs.statSync(STAMP).mtimeMs;
    fs.accessSync(BUILT_ENTRY);
  } catch {
    return "dist/ is not built";
  }
  const newest = newestSource();
  if (newest.mtimeMs > built) return `dist/ is older than ${path.relative(ROOT, newest.file)}`;
  return undefined;
}

module.exports = { ROOT, DIST, STAMP, BUILT_ENTRY, staleReason, newestSource };
