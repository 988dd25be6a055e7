import type { Bundle } from 'fhir/r4.js';

/**
 * The Bundle with one bit of its signature value flipped and everything else kept: for a JWS a
 * byte of the decoded signature part, for a CMS a byte near the end of the DER, where the
 * signature value (the SignerInfo's last field) lies.
 */
export function withDamagedSignature(bundle: Bundle): Bundle {
  const damaged = structuredClone(bundle);
  const data = Buffer.from(damaged.signature!.data!, 'base64');
  if (damaged.signature!.sigFormat === 'application/jose') {
    const [header, payload, signature] = data.toString().split('.');
    const value = Buffer.from(signature!, 'base64url');
    value[5]! ^= 0x01;
    damaged.signature!.data = Buffer.from(`${header}.${payload}.${value.toString('base64url')}`).toString('base64');
  } else {
    data[data.length - 3]! ^= 0x01;
    damaged.signature!.data = data.toString('base64');
  }
  return damaged;
}
