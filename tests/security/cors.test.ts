/** CORS allowed origins: every refusal, with its exact message, and the normalization. */
import { describe, expect, it } from "vitest";
import { InputError } from "../../components/errors";
import { corsOriginsProblems, normalizeCorsOrigins } from "../../components/security/cors";

const EXPECTED = "expected https://host[:port] (http only for localhost and 127.0.0.1)";
const LIST_EACH = "expected each allowed origin listed exactly, such as https://app.example.com";
const ORIGIN_ONLY = "expected scheme://host[:port] only";

/** The InputError `fn` throws (fails the test when it throws nothing or something else). */
function inputErrorOf(fn: () => unknown): InputError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(InputError);
  return thrown as InputError;
}

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
    ["a bare wildcard", "*", `a wildcard origin is refused because credentials are allowed; ${LIST_EACH}`],
    ["a subdomain wildcard", "https://*.acme.com", `wildcards are refused because credentials are allowed; ${LIST_EACH}`],
    ["a port wildcard", "http://localhost:*", `wildcards are refused because credentials are allowed; ${LIST_EACH}`],
    ["the null origin", "null", `the "null" origin is refused: sandboxed iframes and file: pages send it, so any of them would be let in; ${LIST_EACH}`],
    ["plain http", "http://app.acme.com", 'http is allowed only for localhost and 127.0.0.1; expected https; did you mean "https://app.acme.com"?'],
    ["http to a look-alike of localhost", "http://localhost.evil.com", 'http is allowed only for localhost and 127.0.0.1; expected https; did you mean "https://localhost.evil.com"?'],
    ["http to another loopback address", "http://127.0.0.2:3000", 'http is allowed only for localhost and 127.0.0.1; expected https; did you mean "https://127.0.0.2:3000"?'],
    ["another scheme", "ftp://files.acme.com", `scheme "ftp" is not allowed; ${EXPECTED}`],
    ["a browser extension scheme", "chrome-extension://abcdef", `scheme "chrome-extension" is not allowed; ${EXPECTED}`],
    ["a host without scheme", "app.acme.com", `it is not an origin; ${EXPECTED}`],
    ["a scheme-relative origin", "//app.acme.com", `it is not an origin; ${EXPECTED}`],
    ["an invalid port", "https://app.acme.com:99999", `it is not a valid URL; ${EXPECTED}`],
    ["a path", "https://app.acme.com/login", `it has a path; ${ORIGIN_ONLY}; did you mean "https://app.acme.com"?`],
    ["a trailing slash", "https://app.acme.com/", `it has a trailing "/"; ${ORIGIN_ONLY}; did you mean "https://app.acme.com"?`],
    ["a backslash path", "https://app.acme.com\\evil", `it has a path; ${ORIGIN_ONLY}; did you mean "https://app.acme.com"?`],
    ["a query", "https://app.acme.com?x=1", `it has a query; ${ORIGIN_ONLY}; did you mean "https://app.acme.com"?`],
    ["a fragment", "https://app.acme.com#top", `it has a fragment; ${ORIGIN_ONLY}; did you mean "https://app.acme.com"?`],
    ["user information", "https://user:pw@app.acme.com", `it contains user information (user@); ${ORIGIN_ONLY}`],
    ["a user name hiding the real host", "https://app.acme.com@evil.com", `it contains user information (user@); ${ORIGIN_ONLY}`],
    ["a single-label host", "https://intranet", 'host "intranet" is not a fully qualified domain name; expected a name with at least one dot'],
    ["a trailing dot", "https://app.acme.com.", 'the host ends with a dot; expected the host without the trailing dot; did you mean "https://app.acme.com"?'],
    ["a trailing dot before a port", "https://app.acme.com.:8443", 'the host ends with a dot; expected the host without the trailing dot; did you mean "https://app.acme.com:8443"?'],
    ["whitespace", " https://app.acme.com", `it contains whitespace; ${EXPECTED}`],
    ["an empty string", "", `it is empty; ${EXPECTED}`],
    ["a number", 443, `not a string; ${EXPECTED}`],
    ["null", null, `not a string; ${EXPECTED}`],
  ];
  it.each(cases)("%s", (_label, origin, reason) => {
    const err = inputErrorOf(() => normalizeCorsOrigins([origin]));
    const message = `got ${JSON.stringify(origin)}; ${reason}`;
    expect(err.source).toBe("CORS allowed origins");
    expect(err.problems).toEqual([{ path: "corsAllowedOrigins.0", message }]);
    expect(err.message).toBe(`invalid CORS allowed origins: 1 problem\n  - corsAllowedOrigins.0: ${message}`);
    // The pure validator reports the same problem without throwing.
    expect(corsOriginsProblems([origin])).toEqual([{ path: "corsAllowedOrigins.0", message }]);
  });

  it("collects every problem, duplicates after normalization included, and throws once", () => {
    const origins = ["https://app.acme.com", "*", "https://APP.acme.com:443", "http://app.acme.com", "https://app.acme.com"];
    expect(inputErrorOf(() => normalizeCorsOrigins(origins)).problems).toEqual([
      { path: "corsAllowedOrigins.1", message: `got "*"; a wildcard origin is refused because credentials are allowed; ${LIST_EACH}` },
      {
        path: "corsAllowedOrigins.2",
        message: 'got "https://APP.acme.com:443", the same origin as corsAllowedOrigins.0 (both are https://app.acme.com); expected each origin once',
      },
      { path: "corsAllowedOrigins.3", message: 'got "http://app.acme.com"; http is allowed only for localhost and 127.0.0.1; expected https; did you mean "https://app.acme.com"?' },
      { path: "corsAllowedOrigins.4", message: 'got "https://app.acme.com", the same origin as corsAllowedOrigins.0 (both are https://app.acme.com); expected each origin once' },
    ]);
  });

  it("refuses more origins than the maximum, alongside the other problems", () => {
    const origins = ["https://a.acme.com", "https://b.acme.com", "https://c.acme.com/x"];
    expect(inputErrorOf(() => normalizeCorsOrigins(origins, { maxOrigins: 2 })).message).toBe(
      "invalid CORS allowed origins: 2 problems\n" +
        `  - corsAllowedOrigins.2: got "https://c.acme.com/x"; it has a path; ${ORIGIN_ONLY}; did you mean "https://c.acme.com"?\n` +
        "  - corsAllowedOrigins: got 3 origins; expected at most 2 (platform.security.maxCorsOrigins)",
    );
    expect(normalizeCorsOrigins(origins.slice(0, 2), { maxOrigins: 2 })).toEqual(["https://a.acme.com", "https://b.acme.com"]);
  });

  it("refuses a value that is not a list", () => {
    expect(inputErrorOf(() => normalizeCorsOrigins("https://app.acme.com")).message).toBe(
      'invalid CORS allowed origins: 1 problem\n  - corsAllowedOrigins: got "https://app.acme.com"; expected a list of origins',
    );
  });

  it.each([[0], [1.5], [-3]])("refuses a cap of %s at its platform key", (max) => {
    expect(corsOriginsProblems(["https://app.acme.com"], max)).toEqual([
      { path: "platform.security.maxCorsOrigins", message: `got ${max}; expected a positive whole number` },
    ]);
  });
});
