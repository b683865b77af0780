import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { renderDashboards } from "../../cli/dashboards/render-dashboards";
import { assertTextRenders, inkedPixels, svgToPng, textRenders } from "../../cli/dashboards/png";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe("PNG rendering", () => {
  it("fonts are installed and render text (else: apt-get install fonts-dejavu-core)", () => {
    expect(textRenders()).toBe(true);
  });

  it("detects a machine without fonts, and renders from font files given by path", () => {
    expect(textRenders({ systemFonts: false })).toBe(false);
    const dejavu = "/usr/share/fonts/truetype/dejavu";
    expect(textRenders({ systemFonts: false, fontFiles: [`${dejavu}/DejaVuSans.ttf`, `${dejavu}/DejaVuSansMono.ttf`] })).toBe(true);
    expect(() => assertTextRenders({ systemFonts: false })).toThrow(
      "no font renders text: the PNG would show empty boxes. Install the Debian package fonts-dejavu-core (apt-get install -y fonts-dejavu-core), or pass a .ttf file with --font.",
    );
  });

  it("text leaves ink; the same SVG without text leaves none", () => {
    const svg = (body: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30">${body}</svg>`;
    expect(inkedPixels(svg('<text x="2" y="22" font-family="DejaVu Sans" font-size="18">Tenant</text>'))).toBeGreaterThan(50);
    expect(inkedPixels(svg(""))).toBe(0);
  });

  it("svgToPng returns a PNG of the SVG's size", () => {
    const png = svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="32"><rect width="10" height="10"/></svg>');
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    // IHDR width and height, big-endian, at bytes 16..23.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([64, 32]);
  });

  it("render-dashboards writes JSON, SVG and PNG for each of the tenant's dashboards", async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "dashboards-"));
    try {
      const rendered = await renderDashboards({ tenant: "acme", plan: "pro", outDir: out });
      expect(rendered.map((r) => [r.name, r.widgets])).toEqual([
        ["cc-tenant-acme--overview", 7],
        ["cc-tenant-acme--performance", 6],
        ["cc-tenant-acme--security", 6],
      ]);
      for (const r of rendered) {
        const png = fs.readFileSync(r.png);
        expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
        expect(png.length).toBeGreaterThan(20_000);
        expect(png.readUInt32BE(16)).toBe(1232);
        expect(fs.readFileSync(r.svg, "utf8")).toContain(`>${r.name}</text>`);
        expect(JSON.parse(fs.readFileSync(r.json, "utf8")).widgets).toHaveLength(r.widgets);
      }
      expect(fs.readdirSync(out).sort()).toHaveLength(9);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
