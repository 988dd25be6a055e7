/** A tiny HTTP client for tests: real requests, the parsed JSON body and the headers. */
export interface FhirAnswer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Send this exact text as the body instead of JSON-encoding `body`. */
  raw?: string;
}

export async function request(base: string, method: string, path: string, options: RequestOptions = {}): Promise<FhirAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined = options.raw;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/fhir+json';
  }
  const url = path.startsWith('http') ? path : `${base}${path.startsWith('/') ? '' : '/'}${path}`;
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

export function client(base: string) {
  return {
    get: (path: string, options?: RequestOptions) => request(base, 'GET', path, options),
    post: (path: string, body?: unknown, options?: RequestOptions) => request(base, 'POST', path, { ...options, body }),
    put: (path: string, body?: unknown, options?: RequestOptions) => request(base, 'PUT', path, { ...options, body }),
    patch: (path: string, body?: unknown, options?: RequestOptions) =>
      request(base, 'PATCH', path, { headers: { 'content-type': 'application/json-patch+json', ...options?.headers }, body }),
    delete: (path: string, options?: RequestOptions) => request(base, 'DELETE', path, options),
    send: (method: string, path: string, options?: RequestOptions) => request(base, method, path, options),
  };
}

export type Client = ReturnType<typeof client>;
