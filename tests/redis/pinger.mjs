// Another tenant's view of the shared Redis, in its own process (so the test process's own work
// never delays it): PINGs over a plain socket every millisecond and reports the slowest round trip.
// Messages from the parent: "reset" (forget the slowest so far), "report" (send {maxMs, pings}), "stop".
import net from "node:net";

const url = new URL(process.argv[2] ?? "redis://127.0.0.1:6379");
const sock = net.connect(Number(url.port || 6379), url.hostname);
let maxMs = 0;
let pings = 0;
let sentAt = 0n;
let buf = "";
let stopped = false;

function ping() {
  if (stopped) return;
  sentAt = process.hrtime.bigint();
  sock.write("*1\r\n$4\r\nPING\r\n");
}
sock.on("data", (d) => {
  buf += d.toString();
  if (!buf.endsWith("\r\n")) return;
  buf = "";
  const ms = Number(process.hrtime.bigint() - sentAt) / 1e6;
  pings++;
  if (ms > maxMs) maxMs = ms;
  setTimeout(ping, 1);
});
sock.on("connect", () => {
  process.send?.("ready");
  ping();
});
process.on("message", (m) => {
  if (m === "reset") {
    maxMs = 0;
    pings = 0;
    process.send?.("reset");
  } else if (m === "report") process.send?.({ maxMs, pings });
  else if (m === "stop") {
    stopped = true;
    sock.destroy();
    process.exit(0);
  }
});
