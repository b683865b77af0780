/** The tenant checks the HTTP API serves (issue 10): one import for the routes. */
export type { CheckContext } from "./context";
export * from "./schemas";
export { tenantHealth } from "./health";
export { tenantUsage, tenantLimits, DEFAULT_MAX_KEYS } from "./usage";
export { tenantConfig } from "./config";
export { validateAccess } from "./access";
