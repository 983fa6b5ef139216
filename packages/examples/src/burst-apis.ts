/**
 * The two simulated search APIs of the demo's burst section, each counting what it saw:
 * one announces its quota on every answer (a fixed window, IETF RateLimit draft 7), the
 * other announces nothing and answers 429 + `Retry-After: 1` when its bucket is empty.
 */
import { HttpResponse, http, type RequestHandler } from 'msw';

/** What a simulated API saw. */
export interface BurstCounts {
  ok: number;
  limited: number;
  /** Requests that arrived while the API's own `Retry-After` was running (after a grace for those already in flight). */
  arrivedWhileClosed: number;
}

/** A fixed window of `limit` requests per `windowMs` that announces `RateLimit` and `RateLimit-Policy` on every answer. */
export function announcingApi(limit: number, windowMs: number): { handlers: RequestHandler[]; counts: BurstCounts } {
  const counts: BurstCounts = { ok: 0, limited: 0, arrivedWhileClosed: 0 };
  let windowEnds = 0;
  let used = 0;
  const handler = http.get('*/api/search', ({ request }) => {
    const now = Date.now();
    if (now >= windowEnds) {
      windowEnds = now + windowMs;
      used = 0;
    }
    const reset = Math.ceil((windowEnds - now) / 1000);
    const headers = { 'ratelimit-policy': `${limit};w=${windowMs / 1000}`, ratelimit: `limit=${limit}, remaining=${Math.max(0, limit - used - 1)}, reset=${reset}` };
    if (used >= limit) {
      counts.limited++;
      return HttpResponse.json({ error: 'rate_limited' }, { status: 429, headers: { ...headers, 'retry-after': String(reset) } });
    }
    used++;
    counts.ok++;
    return HttpResponse.json({ hits: [new URL(request.url).searchParams.get('q')] }, { headers });
  });
  return { handlers: [handler], counts };
}

/** A token bucket (`rate` per second, `burst` at once) that announces nothing and answers 429 + `Retry-After: 1` when empty. */
export function silentApi(rate: number, burst: number, graceMs = 25): { handlers: RequestHandler[]; counts: BurstCounts } {
  const counts: BurstCounts = { ok: 0, limited: 0, arrivedWhileClosed: 0 };
  let tokens = burst;
  let updatedAt = Date.now();
  let closedFrom = 0;
  let closedUntil = 0;
  const handler = http.get('*/api/search', ({ request }) => {
    const now = Date.now();
    if (now >= closedFrom + graceMs && now < closedUntil) counts.arrivedWhileClosed++;
    tokens = Math.min(burst, tokens + ((now - updatedAt) / 1000) * rate);
    updatedAt = now;
    if (tokens < 1) {
      counts.limited++;
      if (now >= closedUntil) {
        closedFrom = now;
        closedUntil = now + 1000;
      }
      return HttpResponse.json({ error: 'rate_limited' }, { status: 429, headers: { 'retry-after': '1' } });
    }
    tokens--;
    counts.ok++;
    return HttpResponse.json({ hits: [new URL(request.url).searchParams.get('q')] });
  });
  return { handlers: [handler], counts };
}
