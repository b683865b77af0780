/**
 * What every tenant check needs: an admin PostgreSQL pool (the platform's own connection, not a
 * tenant's), the database URL the tenants were set up against, Redis's admin URL, and where local
 * mode keeps its state (default: locateState()'s answer).
 *
 * The API server (api/server.ts, openCheckContext in api/checks/connections.ts) also gives the
 * checks long-lived connections: one shared admin Redis client and an admin pool per other
 * database of the server, so a check opens no connection of its own. Without them (a bare
 * context, as the unit tests build) each check opens and closes its own, as before.
 */
export interface CheckContext {
  pg: import("pg").Pool /* admin */;
  databaseUrl: string;
  redisUrl: string;
  stateDir?: string;
  /** A shared admin Redis client (ioredis pipelines MULTI/EXEC, so concurrent checks may share it). */
  redis?: import("ioredis").Redis;
  /** Admin pools per database other than the URL's, created on first use (closed by their owner). */
  databasePools?: Map<string, import("pg").Pool>;
}
