import { z } from "zod";
import { PlanSchema } from "./schema";

/** The JSON Schema of a plan, as committed in plans/plan.schema.json. */
export function planJsonSchema(): string {
  const schema = z.toJSONSchema(PlanSchema, { target: "draft-2020-12", io: "input" });
  return `${JSON.stringify({ title: "Control Core tenant isolation plan", ...schema }, null, 2)}\n`;
}
