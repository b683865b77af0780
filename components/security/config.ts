/**
 * Security settings: the platform section (shared by every tenant: token issuer and lifetime,
 * recovery window, CORS cap) and the tenant's own settings (CORS origins, JWT key slots, API key
 * names). Both are zod schemas so that their shape is written once.
 *
 * The roles a tenant secret's policy names (deployer, admin) are the s3 section's
 * `deployerRoleArn` and `keyAdminRoleArn`: the same roles that write and administer the tenant
 * key the secrets are encrypted with, so they are not repeated here.
 */
import { z } from "zod";
import { DEFAULT_API_KEY_NAMES, MAX_API_KEYS } from "./api-key";
import { DEFAULT_MAX_CORS_ORIGINS } from "./cors";
import { DEFAULT_JWT_KEY_SLOTS, JWT_KEY_SLOTS } from "./jwks";

/** Platform inputs of the security components (section `security` of the platform config). */
export const SecurityPlatformSchema = z.strictObject({
  tokenIssuer: z
    .url({ protocol: /^https$/ })
    .default("https://controlplane.controlcore.io")
    .describe("The `iss` claim of tenant access tokens, checked by the verifier."),
  tokenAudience: z
    .string()
    .min(1)
    .default("controlcore-api")
    .describe("The `aud` claim of tenant access tokens, checked by the verifier."),
  accessTokenMaxAgeSeconds: z
    .number()
    .int()
    .min(60)
    .max(86_400)
    .default(3600)
    .describe("Longest time after `iat` a token is accepted. Bounds how long a retired JWT key must stay published during a rotation."),
  clockToleranceSeconds: z
    .number()
    .int()
    .min(0)
    .max(300)
    .default(30)
    .describe("Clock skew tolerated on exp, nbf and iat."),
  secretRecoveryWindowDays: z
    .number()
    .int()
    .min(7)
    .max(30)
    .default(7)
    .describe("Days a deleted tenant secret can be restored. A retired JWT key slot cannot be re-added before its window ends (the name is still taken)."),
  maxCorsOrigins: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(DEFAULT_MAX_CORS_ORIGINS)
    .describe("Most CORS allowed origins one tenant may list."),
});
export type SecurityPlatform = z.infer<typeof SecurityPlatformSchema>;

/** The tenant's own security settings (stack config `security`). */
export const TenantSecuritySchema = z.strictObject({
  corsAllowedOrigins: z
    .array(z.string())
    .default([])
    .describe("Origins allowed to call the tenant's API with credentials: exact https origins (http only for localhost and 127.0.0.1), no wildcards."),
  jwtKeySlots: z
    .array(z.enum(JWT_KEY_SLOTS))
    .min(1)
    .max(2)
    .default([...DEFAULT_JWT_KEY_SLOTS])
    .describe('JWT signing key slots to keep and publish in the JWKS: ["a"], or ["a","b"] during a rotation.'),
  activeJwtKey: z
    .enum(JWT_KEY_SLOTS)
    .optional()
    .describe("The slot tokens are signed with; must be one of jwtKeySlots. Defaults to the first slot."),
  apiKeyNames: z
    .array(z.string())
    .min(1)
    .max(MAX_API_KEYS)
    .default([...DEFAULT_API_KEY_NAMES])
    .describe('Names of the tenant\'s API keys (lowercase letters and digits); two during an API key rotation, e.g. ["primary","next"].'),
});
export type TenantSecurity = z.infer<typeof TenantSecuritySchema>;
