/**
 * A throwaway PostgreSQL cluster that CHECKS passwords (scram-sha-256 for every connection), for
 * the tests that must prove which credential an operation used. The shared test server at
 * 127.0.0.1:5432 trusts every local connection, so it cannot tell an old password from a new one.
 *
 * Uses the server binaries of the installed PostgreSQL (`/usr/lib/postgresql/<version>/bin`, as
 * the Debian packages `.ci/run` installs lay them out); run as root, the cluster runs as `postgres`
 * (initdb refuses root). Fails, never skips, when the binaries are missing.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";

export interface PasswordServer {
  readonly host: string;
  readonly port: number;
  /** Connects as `user` with `password` (to `database`, default postgres). */
  connect(user: string, password: string, database?: string): Promise<Client>;
  stop(): void;
}

function binDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb"))) : [];
  const v = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!v) throw new Error(`no PostgreSQL server binaries under ${root} (install postgresql, e.g. with \`bash .ci/run\`)`);
  return path.join(root, v, "bin");
}

/** Starts a cluster on a free port whose superuser `postgres` has `adminPassword`. */
export async function startPasswordServer(adminPassword: string): Promise<PasswordServer> {
  const bin = binDir();
  const asRoot = process.getuid?.() === 0;
  const run = (exe: string, args: string[]) =>
    asRoot
      ? execFileSync("runuser", ["-u", "postgres", "--", path.join(bin, exe), ...args], { stdio: "pipe" })
      : execFileSync(path.join(bin, exe), args, { stdio: "pipe" });
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "pg-password-"));
  fs.chmodSync(base, 0o755);
  const data = path.join(base, "data");
  fs.mkdirSync(data, { mode: 0o700 });
  const pwfile = path.join(base, "pw");
  fs.writeFileSync(pwfile, `${adminPassword}\n`, { mode: 0o644 });
  if (asRoot) execFileSync("chown", ["-R", "postgres", base]);
  run("initdb", ["-D", data, "-U", "postgres", "--auth=scram-sha-256", `--pwfile=${pwfile}`, "-E", "UTF8", "--no-sync"]);
  fs.rmSync(pwfile);
  // A free port: the kernel's choice for a listening socket, released just before the server binds it.
  const net = await import("node:net");
  const port = await new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
    srv.on("error", reject);
  });
  run("pg_ctl", ["-D", data, "-w", "-l", path.join(base, "log"), "-o", `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"]);
  const host = "127.0.0.1";
  return {
    host,
    port,
    async connect(user, password, database = "postgres") {
      const c = new Client({ host, port, user, password, database });
      await c.connect();
      return c;
    },
    stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "stop"]);
      } finally {
        fs.rmSync(base, { recursive: true, force: true });
      }
    },
  };
}
