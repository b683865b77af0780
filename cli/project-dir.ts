/** Where the project lives, from the TypeScript sources (cli/) or from the build (dist/cli/). */
import * as fs from "node:fs";
import * as path from "node:path";

/** The nearest directory at or above `from` that holds Pulumi.yaml. */
export function findProjectDir(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml at or above ${from}`);
  }
}

/** The project's root directory (where Pulumi.yaml and Pulumi.dev.yaml live). */
export const PROJECT_DIR = findProjectDir(__dirname);

/** The example stack config whose platform settings commands use by default. */
export const DEFAULT_STACK_FILE = path.join(PROJECT_DIR, "Pulumi.dev.yaml");
