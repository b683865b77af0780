// A Control Core tenant: stack config → plan → one TenantStack → outputs. See README.md.
import { readStackConfig } from "./components/stack-config";
import { tenantProgram } from "./components/tenant-program";

export = readStackConfig().then(tenantProgram);
