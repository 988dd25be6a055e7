/**
 * Reading DER with node-forge's ASN.1 parser. Each helper checks that a node is what the
 * structure says it is and names the field when it is not, so malformed input is reported
 * as what was wrong instead of failing somewhere further on.
 */
import forge from 'node-forge';

const { asn1 } = forge;
const { Class, Type } = asn1;

export type Asn1 = forge.asn1.Asn1;

/** The input does not have the expected shape; the message names the field. */
export class Asn1ShapeError extends Error {
  override name = 'Asn1ShapeError';
}

interface FromDerOptions {
  strict: boolean;
  parseAllBytes: boolean;
  decodeBitStrings: boolean;
}
// @types/node-forge only knows the older boolean second argument.
const fromDer = asn1.fromDer as unknown as (bytes: forge.util.ByteStringBuffer, options: FromDerOptions) => Asn1;

export function parseDer(bytes: Uint8Array, what: string): Asn1 {
  const buffer = forge.util.createBuffer(Buffer.from(bytes).toString('latin1'));
  try {
    // decodeBitStrings off: a BIT STRING stays bytes, so re-encoding a certificate gives back its exact DER
    return fromDer(buffer, { strict: true, parseAllBytes: true, decodeBitStrings: false });
  } catch (error) {
    throw new Asn1ShapeError(`${what} is not DER-encoded ASN.1 (${(error as Error).message})`);
  }
}

export function derOf(node: Asn1): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), 'latin1');
}

function present(node: Asn1 | undefined, what: string): Asn1 {
  if (node === undefined) throw new Asn1ShapeError(`${what} is missing`);
  return node;
}

function universal(node: Asn1 | undefined, type: forge.asn1.Type, typeName: string, what: string): Asn1 {
  const found = present(node, what);
  if (found.tagClass !== Class.UNIVERSAL || found.type !== type) throw new Asn1ShapeError(`${what} is not ${typeName}`);
  return found;
}

function children(node: Asn1, what: string): Asn1[] {
  if (!node.constructed || !Array.isArray(node.value)) throw new Asn1ShapeError(`${what} is not a constructed value`);
  return node.value;
}

export function sequenceOf(node: Asn1 | undefined, what: string): Asn1[] {
  return children(universal(node, Type.SEQUENCE, 'a SEQUENCE', what), what);
}

export function setOf(node: Asn1 | undefined, what: string): Asn1[] {
  return children(universal(node, Type.SET, 'a SET', what), what);
}

export function oidOf(node: Asn1 | undefined, what: string): string {
  return asn1.derToOid(universal(node, Type.OID, 'an OBJECT IDENTIFIER', what).value as string);
}

function primitiveBytes(node: Asn1, what: string): Buffer {
  if (typeof node.value !== 'string') throw new Asn1ShapeError(`${what} is not a primitive value`);
  return Buffer.from(node.value, 'latin1');
}

export function octetsOf(node: Asn1 | undefined, what: string): Buffer {
  return primitiveBytes(universal(node, Type.OCTETSTRING, 'an OCTET STRING', what), what);
}

/** The content octets of an INTEGER (big-endian two's complement), for comparing serial numbers. */
export function integerBytesOf(node: Asn1 | undefined, what: string): Buffer {
  return primitiveBytes(universal(node, Type.INTEGER, 'an INTEGER', what), what);
}

export function timeOf(node: Asn1 | undefined, what: string): Date {
  const found = present(node, what);
  const text = found.tagClass === Class.UNIVERSAL ? found.value : undefined;
  if (typeof text === 'string' && found.type === Type.UTCTIME) return asn1.utcTimeToDate(text);
  if (typeof text === 'string' && found.type === Type.GENERALIZEDTIME) return asn1.generalizedTimeToDate(text);
  throw new Asn1ShapeError(`${what} is not a UTCTime or GeneralizedTime`);
}

/** The tag number of a context-specific [n] node; undefined for anything else. */
export function contextTagOf(node: Asn1 | undefined): number | undefined {
  return node?.tagClass === Class.CONTEXT_SPECIFIC ? node.type : undefined;
}

/** The children of a constructed [n] node (IMPLICIT SET or SEQUENCE, or EXPLICIT with one child). */
export function contextChildrenOf(node: Asn1 | undefined, tag: number, what: string): Asn1[] {
  if (contextTagOf(present(node, what)) !== tag) throw new Asn1ShapeError(`${what} is not tagged [${tag}]`);
  return children(node!, what);
}

/** The content octets of a primitive [n] IMPLICIT OCTET STRING. */
export function contextBytesOf(node: Asn1 | undefined, tag: number, what: string): Buffer {
  if (contextTagOf(present(node, what)) !== tag) throw new Asn1ShapeError(`${what} is not tagged [${tag}]`);
  return primitiveBytes(node!, what);
}

/** The OID of an AlgorithmIdentifier (its parameters are not read). */
export function algorithmOidOf(node: Asn1 | undefined, what: string): string {
  return oidOf(sequenceOf(node, what)[0], `${what} algorithm`);
}
