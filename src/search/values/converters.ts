/** The index entry converter of each parameter type: one evaluated value -> its `idx` entries. */
import type { IndexEntry, SearchParamType } from '../types.js';
import type { TypedValue } from '../expressions.js';
import { tokenEntries } from './token.js';
import { stringEntries } from './string.js';
import { referenceEntries } from './reference.js';
import { dateEntries } from './date.js';
import { numberEntries } from './number.js';
import { quantityEntries } from './quantity.js';
import { uriEntries } from './uri.js';

export type Converter = (p: string, value: TypedValue) => IndexEntry[];

export const CONVERTERS: Partial<Record<SearchParamType, Converter>> = {
  token: tokenEntries,
  string: stringEntries,
  reference: referenceEntries,
  date: dateEntries,
  number: numberEntries,
  quantity: quantityEntries,
  uri: uriEntries,
};
