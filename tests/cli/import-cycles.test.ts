/** No module of the program or the CLI imports itself back (runtime imports; see import-graph.ts). */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { importCycles, importGraph, sourceFiles } from "./import-graph";

const ROOT = path.resolve(__dirname, "..", "..");

describe("import cycles", () => {
  it("cli/, components/, plans/ and platform/ have none", () => {
    const files = sourceFiles(ROOT, ["cli", "components", "plans", "platform"]);
    expect(files.length).toBeGreaterThan(50);
    const graph = importGraph([...files, path.join(ROOT, "index.ts")]);
    // The placeholder rules are in the graph, importing the kit, not placeholders.ts.
    const rel = (f: string) => path.relative(ROOT, f);
    expect(graph.get(path.join(ROOT, "cli/engine/placeholders-redis.ts"))!.map(rel)).toEqual(["cli/engine/placeholder-kit.ts"]);
    expect(importCycles(graph).map((c) => c.map(rel))).toEqual([]);
  });

  it("the check finds a cycle through a runtime import, and ignores type-only imports", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cycles-"));
    const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
    // The shape placeholders.ts and its area rules had: a ↔ b at run time.
    write("a.ts", 'import { B } from "./b";\nexport const A = 1 + B;\n');
    write("b.ts", 'import { A } from "./a";\nexport const B = 2;\nexport const f = () => A;\n');
    // Erased by the compiler: no edge.
    write("c.ts", 'import type { D } from "./d";\nexport type C = D;\n');
    write("d.ts", 'import { type C } from "./c";\nexport type D = C | 1;\nexport { type C as E } from "./c";\n');
    const graph = importGraph(sourceFiles(dir, ["."]));
    expect(importCycles(graph).map((c) => c.map((f) => path.basename(f)))).toEqual([["a.ts", "b.ts"]]);
  });
});
