/**
 * Writes plans/plan.schema.json from the zod plan schema, so editors validate plan YAML.
 * `npm run gen:json-schema`; a test fails when the committed file is stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { planJsonSchema } from "./json-schema";

const out = path.join(__dirname, "plan.schema.json");
fs.writeFileSync(out, planJsonSchema());
console.log(`wrote ${path.relative(process.cwd(), out)}`);
