/**
 * IPv4 addresses and CIDR blocks, as NetworkPolicy `ipBlock` uses them: parsing with errors
 * that say what was expected, containment and overlap. Pure; shared by config validation and
 * the NetworkPolicy evaluator.
 *
 * IPv6 is not modelled: `parseCidr` refuses it with a clear error (see docs/kubernetes.md).
 */

/** A parsed IPv4 CIDR block. */
export interface Cidr {
  /** The block as written (`10.0.0.0/16`). */
  readonly text: string;
  /** First address of the block as an unsigned 32-bit integer. */
  readonly base: number;
  /** Prefix length, 0–32. */
  readonly prefix: number;
}

/** Returns why `ip` is not a dotted-quad IPv4 address, or `undefined` when it is one. */
export function ipv4Problem(ip: string): string | undefined {
  if (ip.includes(":")) return "IPv6 is not supported; expected a dotted-quad IPv4 address such as 10.0.1.5";
  const parts = ip.split(".");
  if (parts.length !== 4) return "expected a dotted-quad IPv4 address such as 10.0.1.5";
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) {
      return `octet ${JSON.stringify(p)} is not a number from 0 to 255 without leading zeros`;
    }
  }
  return undefined;
}

/** Parses a dotted-quad IPv4 address to an unsigned 32-bit integer; throws on a bad address. */
export function parseIpv4(ip: string): number {
  const problem = ipv4Problem(ip);
  if (problem !== undefined) throw new Error(`invalid IPv4 address ${JSON.stringify(ip)}: ${problem}`);
  return ip.split(".").reduce((acc, p) => acc * 256 + Number(p), 0);
}

const mask = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** Returns why `text` is not a canonical IPv4 CIDR block, or `undefined` when it is one. */
export function cidrProblem(text: string): string | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return "expected a CIDR block such as 10.0.1.0/24 (address/prefix length)";
  const ip = text.slice(0, slash);
  const len = text.slice(slash + 1);
  const ipProblem = ipv4Problem(ip);
  if (ipProblem !== undefined) return ipProblem;
  if (!/^(0|[1-9][0-9]?)$/.test(len) || Number(len) > 32) return `prefix length ${JSON.stringify(len)} is not 0 to 32`;
  const base = parseIpv4(ip);
  if ((base & mask(Number(len))) >>> 0 !== base) {
    // Kubernetes rejects host bits in ipBlock.cidr; say which block was meant.
    const canonical = `${formatIpv4((base & mask(Number(len))) >>> 0)}/${len}`;
    return `host bits are set; the block starting at its network address is ${canonical}`;
  }
  return undefined;
}

/** Parses a canonical IPv4 CIDR block; throws an error naming the block on bad input. */
export function parseCidr(text: string): Cidr {
  const problem = cidrProblem(text);
  if (problem !== undefined) throw new Error(`invalid CIDR block ${JSON.stringify(text)}: ${problem}`);
  const [ip, len] = text.split("/") as [string, string];
  return { text, base: parseIpv4(ip), prefix: Number(len) };
}

/** Formats an unsigned 32-bit integer as a dotted-quad address. */
export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

/** Whether the address `ip` lies inside `cidr`. */
export function cidrContains(cidr: Cidr, ip: number): boolean {
  return (ip & mask(cidr.prefix)) >>> 0 === cidr.base;
}

/** Whether two blocks share at least one address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const shorter = Math.min(a.prefix, b.prefix);
  return (a.base & mask(shorter)) >>> 0 === (b.base & mask(shorter)) >>> 0;
}
