// Preloaded with `node -r` by tests/cli/tenantctl.test.ts: when the process exits, writes the
// file name of every CommonJS module it loaded to $LOADED_MODULES_OUT (one JSON array).
"use strict";
const fs = require("node:fs");
process.on("exit", () => {
  fs.writeFileSync(process.env.LOADED_MODULES_OUT, JSON.stringify(Object.keys(require.cache)));
});
