/**
 * Which resource types carry tags: an AWS type is taggable when its `<Class>Args` in the
 * installed @pulumi/aws declares `tags?` (read from the provider's own type declarations, so a
 * provider upgrade that adds tags to a type extends the tag policy without an edit here).
 * Kubernetes objects carry the tenant as a label instead.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const cache = new Map<string, boolean>();
let awsRoot: string | undefined;

function awsPackageRoot(): string {
  awsRoot ??= path.dirname(require.resolve("@pulumi/aws/package.json"));
  return awsRoot;
}

/** Whether the AWS resource type (`aws:<module>/<file>:<Class>`) accepts `tags`. */
export function awsTaggable(type: string): boolean {
  const m = type.match(/^aws:([a-zA-Z0-9]+)\/([a-zA-Z0-9]+):([A-Za-z0-9]+)$/);
  if (!m) return false;
  const hit = cache.get(type);
  if (hit !== undefined) return hit;
  const [, moduleName, file, className] = m;
  const dts = path.join(awsPackageRoot(), moduleName!, `${file}.d.ts`);
  let taggable = false;
  if (fs.existsSync(dts)) {
    const text = fs.readFileSync(dts, "utf8");
    const start = text.indexOf(`export interface ${className}Args {`);
    if (start >= 0) {
      const args = text.slice(start);
      taggable = /\n    tags\?:/.test(args.slice(0, args.indexOf("\n}")));
    }
  }
  cache.set(type, taggable);
  return taggable;
}

/** Kubernetes objects (not the provider) carry the tenant label in `metadata.labels`. */
export function kubernetesObject(type: string): boolean {
  return type.startsWith("kubernetes:") && !type.startsWith("pulumi:providers:");
}
