import { readFile } from 'node:fs/promises';
import { InputError } from './input-error.js';
import type { SourceFile } from './sources.js';
import type { ImportUnit } from './work-items.js';

interface BundleShape {
  resourceType?: unknown;
  type?: unknown;
  entry?: unknown;
}

interface EntryShape {
  request?: { method?: unknown; url?: unknown };
}

function entryLabel(entry: EntryShape, index: number): string {
  const { method, url } = entry?.request ?? {};
  const request = typeof method === 'string' && typeof url === 'string' ? ` (${method} ${url.split('?')[0]})` : '';
  return `entry ${index + 1}${request}`;
}

/** A .json file holding a transaction or batch Bundle, to be posted as it is. */
export async function bundleFileUnit(file: SourceFile): Promise<ImportUnit> {
  const text = await readFile(file.path, 'utf8').catch((err: Error) => {
    throw new InputError(`${file.name}: cannot read it (${err.message})`);
  });
  const body = text.replace(/^\uFEFF/, '');
  let bundle: BundleShape;
  try {
    bundle = JSON.parse(body) as BundleShape;
  } catch (err) {
    throw new InputError(`${file.name}: not valid JSON (${(err as Error).message})`);
  }
  if (bundle?.resourceType !== 'Bundle' || (bundle.type !== 'transaction' && bundle.type !== 'batch')) {
    const what = bundle?.resourceType === 'Bundle' ? `a Bundle of type ${String(bundle.type)}` : `not a Bundle`;
    throw new InputError(`${file.name}: ${what}; a .json file must hold a transaction or batch Bundle`);
  }
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as EntryShape[]) : [];
  return { kind: 'unit', file: file.name, bundleType: bundle.type, body, entryLabels: entries.map(entryLabel) };
}
