/**
 * A hash chain over AuditEvents, so that changing, removing or reordering a stored event shows.
 * Each event carries, in one extension, its place in the chain (`sequence`), the hash of the event
 * before it (`previous`) and its own `hash`: SHA-256 of `previous` followed by the RFC 8785
 * canonical JSON of the event without its `hash`. The event's id and meta are left out of what is
 * hashed, since the store sets them when it writes the event; everything else is covered,
 * including the sequence and the previous hash.
 */
import { createHash } from 'node:crypto';
import type { AuditEvent, Extension } from 'fhir/r4.js';
import { canonicalJson } from '../services/signing/canonical-json.js';

export const AUDIT_CHAIN_URL = 'urn:egisz-fhir-server:audit-chain';
/** What the first event of the chain names as the hash before it. */
export const GENESIS_HASH = '0'.repeat(64);

/** The last event of a chain, to link the next one to. */
export interface ChainHead {
  sequence: number;
  hash: string;
}

export interface ChainLink extends ChainHead {
  previous: string;
}

export interface ChainReport {
  /** How many events were found intact before the first break (all of them when there is none). */
  checked: number;
  /** The first event that does not follow from the one before it. */
  firstBreak?: { sequence: number; id?: string; reason: 'hash-mismatch' | 'previous-mismatch' | 'sequence-gap' };
}

/** The event as the next link of the chain after `previous` (the first link when undefined). */
export function chainLink(event: AuditEvent, previous: ChainHead | undefined): AuditEvent {
  const sequence = previous ? previous.sequence + 1 : 1;
  const previousHash = previous ? previous.hash : GENESIS_HASH;
  const unhashed = withChainExtension(event, [
    { url: 'sequence', valueDecimal: sequence },
    { url: 'previous', valueString: previousHash },
  ]);
  const hash = hashOf(unhashed, previousHash);
  return withChainExtension(event, [...chainExtension(unhashed)!.extension!, { url: 'hash', valueString: hash }]);
}

/** The event's place in the chain as it claims it; undefined when it carries no whole link. */
export function linkOf(event: AuditEvent): ChainLink | undefined {
  const parts = chainExtension(event)?.extension ?? [];
  const part = (url: string) => parts.find((p) => p.url === url);
  const sequence = part('sequence')?.valueDecimal;
  const previous = part('previous')?.valueString;
  const hash = part('hash')?.valueString;
  if (!Number.isSafeInteger(sequence) || previous === undefined || hash === undefined) return undefined;
  return { sequence: sequence!, previous, hash };
}

/**
 * Checks events given in sequence order, stopping at the first break. A chain read from its
 * middle (a time range) starts from whatever its first event names as the hash before it.
 * The break is reported at the event where the chain stops following: for a removed event,
 * the one after the gap.
 */
export async function verifyChain(events: AsyncIterable<AuditEvent> | Iterable<AuditEvent>): Promise<ChainReport> {
  let checked = 0;
  let before: ChainHead | undefined;
  for await (const event of events) {
    const link = linkOf(event);
    const broken = (reason: NonNullable<ChainReport['firstBreak']>['reason'], sequence: number): ChainReport => ({
      checked, firstBreak: { sequence, ...(event.id ? { id: event.id } : {}), reason },
    });
    if (!link) return broken('hash-mismatch', before ? before.sequence + 1 : 0);
    if (hashOf(withoutHash(event), link.previous) !== link.hash) return broken('hash-mismatch', link.sequence);
    if (before && link.sequence !== before.sequence + 1) return broken('sequence-gap', link.sequence);
    if (before ? link.previous !== before.hash : link.sequence === 1 && link.previous !== GENESIS_HASH) {
      return broken('previous-mismatch', link.sequence);
    }
    before = link;
    checked++;
  }
  return { checked };
}

function hashOf(unhashed: AuditEvent, previousHash: string): string {
  const { id: _id, meta: _meta, ...content } = unhashed;
  return createHash('sha256').update(previousHash + canonicalJson(content), 'utf8').digest('hex');
}

function chainExtension(event: AuditEvent): Extension | undefined {
  return event.extension?.find((e) => e.url === AUDIT_CHAIN_URL);
}

/** The event with `parts` as its chain extension: where it had one, or added after its other extensions. */
function withChainExtension(event: AuditEvent, parts: Extension[]): AuditEvent {
  const chain: Extension = { url: AUDIT_CHAIN_URL, extension: parts };
  const extensions = event.extension ?? [];
  const replaced = extensions.map((e) => (e.url === AUDIT_CHAIN_URL ? chain : e));
  return { ...event, extension: replaced.includes(chain) ? replaced : [...extensions, chain] };
}

function withoutHash(event: AuditEvent): AuditEvent {
  const parts = chainExtension(event)?.extension ?? [];
  return withChainExtension(event, parts.filter((p) => p.url !== 'hash'));
}
