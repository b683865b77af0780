/**
 * What every tenant check needs: an admin PostgreSQL pool (the platform's own connection, not a
 * tenant's), the database URL the tenants were set up against, Redis's admin URL, and where local
 * mode keeps its state (default: locateState()'s answer).
 */
export interface CheckContext {
  pg: import("pg").Pool /* admin */;
  databaseUrl: string;
  redisUrl: string;
  stateDir?: string;
}
