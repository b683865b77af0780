/**
 * The policy pack's entry file: `pulumi preview --policy-pack policy` runs it. It is the only
 * place that constructs the PolicyPack, because constructing one starts CrossGuard's gRPC server
 * and keeps the process alive; the policies live in ./isolation-policies.ts (pure) and
 * ./crossguard.ts (the wrapping), which tests and `tenantctl plan --policy` import freely.
 */
import { PolicyPack } from "@pulumi/policy";
import { crossGuardPolicies } from "./crossguard";

new PolicyPack("controlcore-tenant-isolation", {
  description: "Control Core tenant isolation invariants (tags, principals, KMS, logs, Redis, PostgreSQL, S3, cross-tenant names).",
  enforcementLevel: "mandatory",
  policies: crossGuardPolicies(),
});
