/**
 * What every placeholder rule shares: the AWS location placeholders live in, stable digests,
 * and the {@link Rule} type. `placeholders.ts` and each area's `placeholders-<area>.ts` import
 * this module; nothing here imports them, so the rules form no import cycle.
 */
import { createHash } from "node:crypto";

/** The account of placeholders when the platform's account is not known. */
export const PLACEHOLDER_ACCOUNT = "000000000000";
/** The region of placeholders when neither the platform nor `aws:region` names one. */
export const PLACEHOLDER_REGION = "us-east-1";

/** The account and region the resources of a run are created in (their ARNs name them). */
export interface AwsLocation {
  readonly account: string;
  readonly region: string;
}

/** Where placeholders live when the platform's account is not known. */
export const PLACEHOLDER_LOCATION: AwsLocation = { account: PLACEHOLDER_ACCOUNT, region: PLACEHOLDER_REGION };

/** A stable hex digest of `parts`, for IDs that must look random but never change. */
export function stableHex(length: number, ...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, length);
}

/** A UUID-shaped stable identifier. */
export function stableUuid(...parts: string[]): string {
  const h = stableHex(32, ...parts);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** `arn:aws:<service>:<region>:<account>:<resource>` in `at`. */
export function arnIn(at: AwsLocation, service: string, resource: string, region: string = at.region): string {
  return `arn:aws:${service}:${region}:${at.account}:${resource}`;
}

export type Inputs = Record<string, any>;
/**
 * Computes the ID and provider-computed outputs of one resource type from its name, its inputs
 * and the location of the run (default {@link PLACEHOLDER_LOCATION}).
 */
export type Rule = (name: string, inputs: Inputs, at?: AwsLocation) => { id: string; extra?: Record<string, unknown> };
