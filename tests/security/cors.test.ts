/** CORS allowed origins: every refusal, with its exact message, and the normalization. */
import { describe, expect, it } from "vitest";
import { CorsOriginsError, normalizeCorsOrigins } from "../../components/security/cors";

const EXPECTED = "expected https://host[:port] (http only for localhost and 127.0.0.1)";

describe("normalizeCorsOrigins accepts and normalizes", () => {
  const cases: Array<[string, string]> = [
    ["https://app.acme.com", "https://app.acme.com"],
    ["https://App.ACME.com", "https://app.acme.com"],
    ["HTTPS://app.acme.com", "https://app.acme.com"],
    ["https://app.acme.com:443", "https://app.acme.com"],
    ["https://app.acme.com:8443", "https://app.acme.com:8443"],
    ["http://localhost", "http://localhost"],
    ["http://localhost:3000", "http://localhost:3000"],
    ["http://LOCALHOST:3000", "http://localhost:3000"],
    ["http://127.0.0.1:8080", "http://127.0.0.1:8080"],
    ["http://localhost:80", "http://localhost"],
    ["https://localhost:5173", "https://localhost:5173"],
    ["https://bücher.example", "https://xn--bcher-kva.example"],
  ];
  it.each(cases)("%s → %s", (input, output) => {
    expect(normalizeCorsOrigins([input])).toEqual([output]);
  });

  it("keeps the given order and accepts an empty list", () => {
    expect(normalizeCorsOrigins(["https://b.acme.com", "https://a.acme.com"])).toEqual(["https://b.acme.com", "https://a.acme.com"]);
    expect(normalizeCorsOrigins([])).toEqual([]);
  });
});

describe("normalizeCorsOrigins refuses", () => {
  const cases: Array<[string, unknown, string]> = [
    ["a bare wildcard", "*", "a wildcard origin is refused because credentials are allowed; list each origin"],
    ["a subdomain wildcard", "https://*.acme.com", "wildcards are refused because credentials are allowed; list each origin"],
    ["a port wildcard", "http://localhost:*", "wildcards are refused because credentials are allowed; list each origin"],
    ["the null origin", "null", 'the "null" origin is refused: sandboxed iframes and file: pages send it, so any of them would be let in'],
    ["plain http", "http://app.acme.com", "http is allowed only for localhost and 127.0.0.1; use https://app.acme.com"],
    ["http to a look-alike of localhost", "http://localhost.evil.com", "http is allowed only for localhost and 127.0.0.1; use https://localhost.evil.com"],
    ["http to another loopback address", "http://127.0.0.2:3000", "http is allowed only for localhost and 127.0.0.1; use https://127.0.0.2:3000"],
    ["another scheme", "ftp://files.acme.com", `scheme "ftp" is not allowed; ${EXPECTED}`],
    ["a browser extension scheme", "chrome-extension://abcdef", `scheme "chrome-extension" is not allowed; ${EXPECTED}`],
    ["a host without scheme", "app.acme.com", `it is not an origin; ${EXPECTED}`],
    ["a scheme-relative origin", "//app.acme.com", `it is not an origin; ${EXPECTED}`],
    ["an invalid port", "https://app.acme.com:99999", `it is not a valid URL; ${EXPECTED}`],
    ["a path", "https://app.acme.com/login", "it has a path; an origin is scheme://host[:port] only (did you mean https://app.acme.com?)"],
    ["a trailing slash", "https://app.acme.com/", 'it has a trailing "/"; an origin is scheme://host[:port] only (did you mean https://app.acme.com?)'],
    ["a backslash path", "https://app.acme.com\\evil", "it has a path; an origin is scheme://host[:port] only (did you mean https://app.acme.com?)"],
    ["a query", "https://app.acme.com?x=1", "it has a query; an origin is scheme://host[:port] only (did you mean https://app.acme.com?)"],
    ["a fragment", "https://app.acme.com#top", "it has a fragment; an origin is scheme://host[:port] only (did you mean https://app.acme.com?)"],
    ["user information", "https://user:pw@app.acme.com", "it contains user information (user@); an origin is scheme://host[:port] only"],
    ["a user name hiding the real host", "https://app.acme.com@evil.com", "it contains user information (user@); an origin is scheme://host[:port] only"],
    ["a single-label host", "https://intranet", 'host "intranet" is not a fully qualified domain name'],
    ["a trailing dot", "https://app.acme.com.", "the host ends with a dot; write it without the trailing dot"],
    ["whitespace", " https://app.acme.com", "it contains whitespace"],
    ["an empty string", "", `it is empty; ${EXPECTED}`],
    ["a number", 443, "expected a string, got number"],
    ["null", null, "expected a string, got null"],
  ];
  it.each(cases)("%s", (_label, origin, reason) => {
    let thrown: unknown;
    try {
      normalizeCorsOrigins([origin]);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CorsOriginsError);
    const err = thrown as CorsOriginsError;
    expect(err.problems).toEqual([{ index: 0, origin, reason }]);
    expect(err.message).toBe(`invalid CORS allowed origins: 1 problem\n  - corsAllowedOrigins[0] ${JSON.stringify(origin)}: ${reason}`);
  });

  it("collects every problem, duplicates after normalization included, and throws once", () => {
    const origins = ["https://app.acme.com", "*", "https://APP.acme.com:443", "http://app.acme.com", "https://app.acme.com"];
    expect(() => normalizeCorsOrigins(origins)).toThrow(
      new CorsOriginsError([
        { index: 1, origin: "*", reason: "a wildcard origin is refused because credentials are allowed; list each origin" },
        { index: 2, origin: "https://APP.acme.com:443", reason: "duplicate of corsAllowedOrigins[0] (both are https://app.acme.com)" },
        { index: 3, origin: "http://app.acme.com", reason: "http is allowed only for localhost and 127.0.0.1; use https://app.acme.com" },
        { index: 4, origin: "https://app.acme.com", reason: "duplicate of corsAllowedOrigins[0] (both are https://app.acme.com)" },
      ]).message,
    );
  });

  it("refuses more origins than the maximum, alongside the other problems", () => {
    const origins = ["https://a.acme.com", "https://b.acme.com", "https://c.acme.com/x"];
    let thrown: CorsOriginsError | undefined;
    try {
      normalizeCorsOrigins(origins, { maxOrigins: 2 });
    } catch (e) {
      thrown = e as CorsOriginsError;
    }
    expect(thrown?.message).toBe(
      "invalid CORS allowed origins: 2 problems\n" +
        '  - corsAllowedOrigins[2] "https://c.acme.com/x": it has a path; an origin is scheme://host[:port] only (did you mean https://c.acme.com?)\n' +
        "  - corsAllowedOrigins: 3 origins given; at most 2 are allowed",
    );
    expect(normalizeCorsOrigins(origins.slice(0, 2), { maxOrigins: 2 })).toEqual(["https://a.acme.com", "https://b.acme.com"]);
  });

  it("refuses a value that is not a list", () => {
    expect(() => normalizeCorsOrigins("https://app.acme.com")).toThrow(
      "invalid CORS allowed origins: 1 problem\n  - corsAllowedOrigins: expected a list of origins, got string",
    );
  });
});
