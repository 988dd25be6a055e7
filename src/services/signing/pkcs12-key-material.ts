import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import type { KeyMaterial } from './key-material.js';
import { signerFirst } from './signer-chain.js';
import { SigningSetupError, readSetupFile } from './signing-setup-error.js';

const WRONG_PASSWORD = /invalid password|wrong password|failed to decrypt/i;

function pfxOf(content: Buffer, file: string, password: string | undefined): forge.pkcs12.Pkcs12Pfx {
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(content.toString('binary'));
  } catch {
    throw new SigningSetupError(`${file} is not a PKCS#12 file (expected DER, as openssl pkcs12 -export writes)`);
  }
  try {
    return forge.pkcs12.pkcs12FromAsn1(asn1, password ?? '');
  } catch (err) {
    const message = (err as Error).message;
    if (WRONG_PASSWORD.test(message)) throw new SigningSetupError(`Cannot open the PKCS#12 file ${file}: wrong password (SIGNING_KEY_PASSWORD)`);
    throw new SigningSetupError(`Cannot read the PKCS#12 file ${file}: ${message}`);
  }
}

function der(asn1: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

/** forge parses RSA keys only; for any other key it leaves the PrivateKeyInfo in `asn1`. */
function keyOf(bag: forge.pkcs12.Bag): KeyObject {
  const privateKeyInfo = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : bag.asn1;
  return createPrivateKey({ key: der(privateKeyInfo), format: 'der', type: 'pkcs8' });
}

/** Likewise forge parses RSA-signed certificates with RSA keys only; re-encoding keeps the signed bytes it captured. */
function certificateOf(bag: forge.pkcs12.Bag): X509Certificate {
  return new X509Certificate(der(bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1));
}

const KEY_BAGS = [forge.pki.oids.pkcs8ShroudedKeyBag, forge.pki.oids.keyBag];

/** SIGNING_P12_FILE: the one private key of a PKCS#12 file and the chain of its certificate (RSA or ECDSA alike). */
export function loadPkcs12KeyMaterial(file: string, password: string | undefined): KeyMaterial {
  const bags = pfxOf(readSetupFile(file, 'the PKCS#12 file'), file, password).safeContents.flatMap((contents) => contents.safeBags);
  const keyBags = bags.filter((bag) => KEY_BAGS.includes(bag.type));
  if (keyBags.length === 0) throw new SigningSetupError(`${file} holds no private key`);
  if (keyBags.length > 1) throw new SigningSetupError(`${file} holds ${keyBags.length} private keys; the server signs with one`);
  let privateKey: KeyObject;
  let certificates: X509Certificate[];
  try {
    privateKey = keyOf(keyBags[0]!);
    certificates = bags.filter((bag) => bag.type === forge.pki.oids.certBag).map(certificateOf);
  } catch (err) {
    throw new SigningSetupError(`Cannot read the PKCS#12 file ${file}: ${(err as Error).message}`);
  }
  const chain = signerFirst(privateKey, certificates);
  if (!chain) throw new SigningSetupError(`${file} holds no certificate that belongs to its private key`);
  return { privateKey, chain };
}
