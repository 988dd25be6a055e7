/**
 * Verified tokens by their text, so a client sending the same bearer token on every request pays
 * for the signature check once. An entry lasts until the token expires (the clock skew the
 * verifier forgives included); the oldest entries go first when the cache is full. A key removed
 * from the issuer's key set stops new tokens at once; tokens already verified run out at their
 * expiry, as they would at any resource server that caches them.
 */
import type { AuthenticatedClient } from './token-verifier.js';

const MAX_ENTRIES = 10_000;

export class VerifiedTokenCache {
  private readonly entries = new Map<string, { client: AuthenticatedClient; until: number }>();

  constructor(private readonly skewMs: number) {}

  /** The client of a token verified before and not expired at `now`. */
  get(token: string, now: number): AuthenticatedClient | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (now < entry.until) return entry.client;
    this.entries.delete(token);
    return undefined;
  }

  set(token: string, client: AuthenticatedClient): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { client, until: client.expiresAt.getTime() + this.skewMs });
  }
}
