/** The search layer's public API. */
export type {
  ChainedClause, Clause, ForwardChain, IndexEntries, IndexEntry, Modifier, Prefix, ReverseChain, SearchParameterDef, SearchParamType,
  SearchRequest, SearchValue, SortItem, SortKeys,
} from './types.js';
export { searchParametersFor, searchParameter, supportedSearchParams } from './search-parameters.js';
export { extractSearchIndex, extractIndexEntries, extractSortKeys, type SearchIndex } from './extract.js';
export { parseSearch } from './parse.js';
export { compileFilter, compileSort, entriesField, sortField } from './compile.js';
export { INDEX_SPECS } from './index-specs.js';
export { normalizeString } from './normalize.js';
export { normalizeReference } from './values/reference.js';
