/** The API's own request counters and latency histogram, in Prometheus text format (no library: two metric families). */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export class ApiMetrics {
  private readonly counts = new Map<string, number>();
  private readonly hist = new Map<string, { buckets: number[]; sum: number; count: number }>();

  observe(method: string, route: string, status: number, seconds: number): void {
    const c = `method="${esc(method)}",route="${esc(route)}",status="${status}"`;
    this.counts.set(c, (this.counts.get(c) ?? 0) + 1);
    const h = `method="${esc(method)}",route="${esc(route)}"`;
    const e = this.hist.get(h) ?? { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) e.buckets[i]! += 1;
    });
    e.sum += seconds;
    e.count += 1;
    this.hist.set(h, e);
  }

  render(): string {
    const out: string[] = [
      "# HELP controlcore_api_requests_total HTTP requests answered, by method, route and status.",
      "# TYPE controlcore_api_requests_total counter",
    ];
    for (const [l, v] of this.counts) out.push(`controlcore_api_requests_total{${l}} ${v}`);
    out.push("# HELP controlcore_api_request_duration_seconds Time to answer a request, by method and route.");
    out.push("# TYPE controlcore_api_request_duration_seconds histogram");
    for (const [l, e] of this.hist) {
      BUCKETS.forEach((b, i) => out.push(`controlcore_api_request_duration_seconds_bucket{${l},le="${b}"} ${e.buckets[i]}`));
      out.push(`controlcore_api_request_duration_seconds_bucket{${l},le="+Inf"} ${e.count}`);
      out.push(`controlcore_api_request_duration_seconds_sum{${l}} ${e.sum}`);
      out.push(`controlcore_api_request_duration_seconds_count{${l}} ${e.count}`);
    }
    return `${out.join("\n")}\n`;
  }
}
