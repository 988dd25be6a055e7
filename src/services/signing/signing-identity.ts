import type { SigningSettings } from '../../config.js';
import { developmentIdentity } from './development-identity.js';
import { loadSigningKeyMaterial, type KeyMaterial } from './key-material.js';
import { KeySigner } from './signer.js';
import { SigningSetupError } from './signing-setup-error.js';

export interface SigningIdentity {
  signer: KeySigner;
  /** configured: SIGNING_P12_FILE or SIGNING_KEY_FILE; development: the self-signed identity in the data directory. */
  source: 'configured' | 'development';
  /** The PKCS#12 file, the key file, or the development identity's directory. */
  location: string;
  /** True when the development identity was made just now. */
  created: boolean;
}

function signerOf(material: KeyMaterial, location: string): KeySigner {
  try {
    return new KeySigner(material.privateKey, material.chain);
  } catch (err) {
    throw new SigningSetupError(`The signing key in ${location} cannot be used: ${(err as Error).message}`);
  }
}

/** What the server signs with: the configured key and chain, or, when none is configured, the development identity. */
export async function loadSigningIdentity(settings: SigningSettings, dataDir: string): Promise<SigningIdentity> {
  const configured = settings.p12File ?? settings.keyFile;
  if (configured) return { signer: signerOf(loadSigningKeyMaterial(settings), configured), source: 'configured', location: configured, created: false };
  const development = await developmentIdentity(dataDir);
  return { signer: signerOf(development, development.directory), source: 'development', location: development.directory, created: development.created };
}
