import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { SourceFile } from './sources.js';

/** The bytes of a file, unzipped when it is a .gz; a read or unzip error surfaces on the returned stream. */
export function openFileBytes(file: SourceFile): Readable {
  const raw = createReadStream(file.path);
  if (!file.gzip) return raw;
  const gunzip = createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}
