import { AuthError, createRedaction, type FetchLike, REDACTED, scrubText } from '@sluice/core';
import type { Token, TokenRequestContext } from '../token/token.js';

/** The one redaction of token calls: its `url` hides the token URL's secrets, its `text` known secret values. */
const redaction = /* @__PURE__ */ createRedaction();

/** Response fields whose values are secrets. */
const SECRET_FIELDS = new Set(['access_token', 'refresh_token', 'id_token', 'client_secret', 'client_assertion', 'assertion', 'password']);

/** One call to an OAuth2 token endpoint. */
export interface TokenCall {
  tokenUrl: string;
  params: URLSearchParams;
  headers: Headers;
  /** Values to scrub from error bodies (client secret, refresh token, assertion). */
  secrets: readonly string[];
  /** Overrides the terminal fetch from the context. */
  fetch?: FetchLike | undefined;
  clock: () => number;
}

/**
 * POSTs a form to a token endpoint and turns the answer into a {@link Token}
 * (`expiresAt` from `expires_in`). Anything else is an `AuthError` with the status and a
 * redacted body; the call ends when `context.signal` aborts (its own timeout).
 */
export async function callTokenEndpoint(call: TokenCall, context: TokenRequestContext): Promise<Token & { scope?: string }> {
  const fetchImpl = call.fetch ?? context.fetch;
  const where = redaction.url(call.tokenUrl);
  const secrets = longestFirst(call.secrets);
  call.headers.set('content-type', 'application/x-www-form-urlencoded');
  call.headers.set('accept', 'application/json');
  const request = new Request(call.tokenUrl, { method: 'POST', headers: call.headers, body: call.params.toString(), signal: context.signal });
  let response: Response;
  try {
    // The request carries `context.signal`: a fetch honours the Request's own signal.
    response = await fetchImpl(request);
  } catch (error) {
    if (context.signal.aborted && context.signal.reason instanceof AuthError) throw context.signal.reason;
    throw new AuthError(`The token endpoint ${where} could not be reached: ${redaction.text(error instanceof Error ? error.message : String(error), secrets)}`, { cause: error });
  }
  const text = await response.text().catch(() => '');
  const body = scrub(text, secrets);
  if (!response.ok) {
    const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    throw new AuthError(`The token endpoint ${where} answered ${redaction.text(status, secrets)}${describe(text, secrets)}`, {
      status: response.status,
      body,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AuthError(`The token endpoint ${where} answered ${response.status} with a body that is not JSON.`, { status: response.status, body });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const got = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    throw new AuthError(`The token endpoint ${where} answered ${response.status} with ${got}, not a JSON object with an access_token.`, { status: response.status, body });
  }
  const json = parsed as Record<string, unknown>;
  const accessToken = json.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new AuthError(`The token endpoint ${where} answered without an access_token.`, { status: response.status, body });
  }
  const expiresIn = typeof json.expires_in === 'string' ? Number(json.expires_in) : json.expires_in;
  return {
    accessToken,
    tokenType: typeof json.token_type === 'string' ? json.token_type : undefined,
    refreshToken: typeof json.refresh_token === 'string' ? json.refresh_token : undefined,
    expiresAt: typeof expiresIn === 'number' && Number.isFinite(expiresIn) ? call.clock() + expiresIn * 1000 : undefined,
    ...(typeof json.scope === 'string' ? { scope: json.scope } : {}),
  };
}

/**
 * `: error (description)` from an OAuth2 error body, if it has one, with the known
 * secret values (`secrets`, longest first) replaced: servers may echo what they were sent.
 */
function describe(text: string, secrets: readonly string[]): string {
  let json: { error?: unknown; error_description?: unknown };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    return '';
  }
  if (typeof json !== 'object' || json === null || typeof json.error !== 'string') return '';
  const error = redaction.text(json.error, secrets).slice(0, 100);
  const detail = typeof json.error_description === 'string' ? ` (${redaction.text(json.error_description, secrets).slice(0, 200)})` : '';
  return `: ${error}${detail}`;
}

/**
 * The body with secret JSON fields and known secret values (`secrets`, longest first)
 * replaced, capped at 8 KiB.
 */
function scrub(text: string, secrets: readonly string[]): string {
  let out: string;
  try {
    out = JSON.stringify(scrubJson(JSON.parse(text) as unknown, secrets, 0));
  } catch {
    // Not JSON (cut off, or form-encoded): the HttpError preview's scrub, name=value and "key": "…" alike.
    out = scrubText(text, redaction, secrets);
  }
  // The serialised form may escape a secret differently from its raw text: scrub it too.
  out = redaction.text(out, longestFirst([...secrets, ...secrets.map((secret) => JSON.stringify(secret).slice(1, -1))]));
  return out.length > 8192 ? `${out.slice(0, 8192)}…` : out;
}

/** A copy of parsed JSON with secret fields and known secret values in strings replaced. */
function scrubJson(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === 'string') return redaction.text(value, secrets);
  if (typeof value !== 'object' || value === null || depth > 20) return value;
  if (Array.isArray(value)) return value.map((item) => scrubJson(item, secrets, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = SECRET_FIELDS.has(key) ? REDACTED : scrubJson(item, secrets, depth + 1);
  return copy;
}

/** The secret values longest first, so one that contains another is replaced whole. */
function longestFirst(secrets: readonly string[]): string[] {
  return [...secrets].sort((a, b) => b.length - a.length);
}
