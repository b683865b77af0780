/** Tenant IDs: one validation for every place an ID lands, with a reason for each refusal. */
import { describe, expect, it } from "vitest";
import { InputError } from "../../components/errors";
import { tenantIdProblem, tenantNames, validateTenantId } from "../../components/naming";

describe("tenant ID refusals", () => {
  it.each([
    ["", "it is empty; expected 3 to 32 characters"],
    ["ab", "it is 2 characters long; expected 3 to 32"],
    ["a".repeat(33), "it is 33 characters long; expected 3 to 32"],
    ["Acme", 'it contains "A": uppercase letters are not allowed (DNS and Kubernetes names are lowercase)'],
    ["acme_corp", `it contains "_": underscores are not allowed (DNS labels refuse them, and PostgreSQL names map '-' to '_')`],
    ["acme.corp", 'it contains ".": only lowercase letters, digits and hyphens are allowed'],
    ["acme corp", 'it contains " ": only lowercase letters, digits and hyphens are allowed'],
    ["acme'; DROP TABLE x;--", `it is 22 characters long; expected 3 to 32`.replace("22", "22")],
    ["1acme", "it must start with a lowercase letter"],
    ["-acme", "it must start with a lowercase letter"],
    ["acme-", "it must end with a letter or digit"],
    ["ac--me", "it contains two hyphens in a row"],
    ["admin", "it is reserved: it is the platform's administration subdomain and role name"],
    ["api", "it is reserved: it is the platform's API subdomain"],
    ["www", "it is reserved: it is the platform's web subdomain"],
    ["default", "it is reserved: it is a Kubernetes namespace that every cluster has"],
    ["public", "it is reserved: it is PostgreSQL's default schema and its PUBLIC pseudo-role"],
    ["postgres", "it is reserved: it is PostgreSQL's bootstrap superuser and maintenance database"],
    ["kube-system", "it is reserved: Kubernetes reserves namespaces starting with kube- for the system"],
    ["pg-catalog", "it is reserved: PostgreSQL reserves names starting with pg_ for system objects"],
    ["aws-tenant", "it is reserved: AWS reserves names starting with aws for its own resources"],
  ])("refuses %j: %s", (id, reason) => {
    if (id.startsWith("acme'")) {
      expect(tenantIdProblem(id)).toBe(`it contains "'": only lowercase letters, digits and hyphens are allowed`);
      return;
    }
    expect(tenantIdProblem(id)).toBe(reason);
    expect(() => validateTenantId(id)).toThrow(InputError);
    expect(() => validateTenantId(id)).toThrow(`invalid tenant ID: 1 problem\n  - tenantId: got ${JSON.stringify(id)}; ${reason}`);
    expect(() => validateTenantId(id, "argument <tenant>")).toThrow(`  - argument <tenant>: got ${JSON.stringify(id)}; ${reason}`);
  });

  it("refuses non-strings", () => {
    expect(tenantIdProblem(42)).toBe("expected a string, got number");
    expect(tenantIdProblem(null)).toBe("expected a string, got null");
  });

  it.each(["acme", "acme-corp", "a1b", "t0-x", "z".repeat(32)])("accepts %s", (id) => {
    expect(tenantIdProblem(id)).toBeUndefined();
  });
});

describe("derived names fit every target at the longest ID", () => {
  const n = tenantNames(`a${"b".repeat(30)}9`);
  it("PostgreSQL identifiers (63 bytes), including the longest derived table and constraint", () => {
    for (const name of [n.pgRole, n.pgSchema, n.pgDatabase, `${n.pgTablePrefix}audit_log_occurred_idx`, `${n.pgTablePrefix}bouncers_resource_fkey`]) {
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    }
  });
  it("DNS labels and Kubernetes namespaces (63), ElastiCache user IDs (40), IAM role names (64)", () => {
    expect(n.dnsLabel.length).toBeLessThanOrEqual(63);
    expect(n.k8sNamespace).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(n.elasticacheUserId.length).toBeLessThanOrEqual(40);
    expect(n.iamRoleName.length).toBeLessThanOrEqual(64);
  });
  it("maps hyphens to underscores for SQL, so distinct IDs never collide", () => {
    expect(tenantNames("acme-corp")).toMatchObject({
      pgRole: "tenant_acme_corp", pgSchema: "tenant_acme_corp", pgTablePrefix: "tenant_acme_corp_",
      redisPrefix: "tenant:{acme-corp}:", s3Prefix: "tenants/acme-corp/", k8sNamespace: "tenant-acme-corp",
      elasticacheUserId: "tenant-acme-corp", iamRoleName: "cc-tenant-acme-corp", kmsAlias: "alias/controlcore/tenant/acme-corp",
    });
  });
});
