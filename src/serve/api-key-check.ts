import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Checks a presented API key against the expected one in constant time: both are hashed with
 * SHA-256 first, so the comparison does not leak the key's length either. Keys are never logged.
 */
export function createApiKeyCheck(expectedKey: string): (presentedKey: string | undefined) => boolean {
  const expectedDigest = sha256(expectedKey);
  return (presentedKey) => {
    const presentedDigest = sha256(presentedKey ?? "");
    return timingSafeEqual(presentedDigest, expectedDigest) && presentedKey !== undefined;
  };
}

/** The bearer token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
  return match?.[1];
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
