/**
 * SVG → PNG with resvg, and a check that text actually renders: resvg draws no text at all
 * (silently) when it finds no font, which would make a dashboard picture a set of empty boxes.
 */
import * as fs from "node:fs";
import { Resvg, type ResvgRenderOptions } from "@resvg/resvg-js";

/** The Debian package that provides the fonts the renderer names first (DejaVu Sans and Mono). */
export const FONT_PACKAGE = "fonts-dejavu-core";
/** Where Debian installs fonts; loaded besides resvg's own system font lookup. */
export const FONT_DIRS = ["/usr/share/fonts"];

export interface PngOptions {
  /** Font files to load besides the system fonts (e.g. a TTF shipped with the project). */
  readonly fontFiles?: readonly string[];
  /** Load the machine's fonts (system lookup and {@link FONT_DIRS}). @default true */
  readonly systemFonts?: boolean;
}

function resvgOptions(o: PngOptions): ResvgRenderOptions {
  return {
    background: "#ffffff",
    font: {
      loadSystemFonts: o.systemFonts ?? true,
      fontDirs: o.systemFonts === false ? [] : FONT_DIRS.filter((d) => fs.existsSync(d)),
      fontFiles: [...(o.fontFiles ?? [])],
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
      monospaceFamily: "DejaVu Sans Mono",
    },
    logLevel: "off",
  };
}

/** Renders an SVG document to PNG bytes. */
export function svgToPng(svg: string, o: PngOptions = {}): Buffer {
  return new Resvg(svg, resvgOptions(o)).render().asPng();
}

/** How many pixels of a white-background rendering of `svg` are not white. */
export function inkedPixels(svg: string, o: PngOptions = {}): number {
  const pixels = new Resvg(svg, resvgOptions(o)).render().pixels;
  let inked = 0;
  for (let p = 0; p < pixels.length; p += 4) {
    if (pixels[p]! < 200 || pixels[p + 1]! < 200 || pixels[p + 2]! < 200) inked++;
  }
  return inked;
}

/** Whether a line of sans and a line of monospaced text leave ink (i.e. fonts were found). */
export function textRenders(o: PngOptions = {}): boolean {
  const probe = (family: string) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="4" y="28" font-family="${family}" font-size="24" fill="#000">Hg 123</text></svg>`;
  return inkedPixels(probe("DejaVu Sans, sans-serif"), o) > 20 && inkedPixels(probe("DejaVu Sans Mono, monospace"), o) > 20;
}

/** Throws, naming the package to install, when no font renders text. */
export function assertTextRenders(o: PngOptions = {}): void {
  if (!textRenders(o)) {
    throw new Error(
      `no font renders text: the PNG would show empty boxes. Install the Debian package ${FONT_PACKAGE} ` +
        `(apt-get install -y ${FONT_PACKAGE}), or pass a .ttf file with --font.`,
    );
  }
}
