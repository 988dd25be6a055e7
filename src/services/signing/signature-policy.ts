import type { SigningSettings } from '../../config.js';

/**
 * Whether the signature policy requires a signature on a Bundle of this type from this client;
 * the answer is the phrase naming who must sign, for the error message, or undefined.
 */
export function requiredSignatureReason(settings: SigningSettings, bundleType: string | undefined, clientId: string | undefined): string | undefined {
  if (bundleType !== undefined && settings.requiredForTypes.includes(bundleType)) return 'sent to this server';
  if (clientId !== undefined && settings.requiredForClients.includes(clientId)) return `from client ${clientId}`;
  return undefined;
}
