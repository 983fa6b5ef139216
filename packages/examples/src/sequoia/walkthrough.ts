/**
 * A walk through the Sequoia-style client end to end, against a simulated Sequoia
 * (registry, identity service, metadata service) served on a real local port.
 */
import type { SluiceEvent } from '@sluice/core';
import { oauthServer } from '@sluice/testing';
import { serveLate } from '../serve-late.js';
import { connectSequoia } from './client.js';
import { Criteria, field, Inclusion } from './criteria.js';
import { sequoiaApi } from './simulated-api.js';

/**
 * What {@link runSequoiaWalkthrough} did, for callers that want to check it.
 *
 * @example
 * ```ts
 * const summary: WalkthroughSummary = await runSequoiaWalkthrough(() => {});
 * console.log(summary.contents, summary.tokenCalls);
 * ```
 */
export interface WalkthroughSummary {
  /** Requests the registry and the metadata service saw (token calls are counted in `tokenCalls`, not here). */
  requests: number;
  /** Token endpoint calls (CLIENT_GRANT fetches one token and reuses it). */
  tokenCalls: number;
  /** Refs of every content paged through. */
  contents: string[];
  /** Refs of every linked asset paged through. */
  assets: string[];
  /** The correlation ids of the two browse operations (one per operation). */
  correlationIds: string[];
}

/**
 * Serves a simulated Sequoia on 127.0.0.1, connects a CLIENT_GRANT client through the
 * registry, stores content that shows up late (retry while empty), browses it page by page
 * with one prefixed correlation id, pages its linked assets, then closes the server.
 *
 * @example
 * ```ts
 * const summary = await runSequoiaWalkthrough((line) => console.log(line));
 * console.log(summary.contents.length);
 * ```
 */
export async function runSequoiaWalkthrough(log: (line: string) => void = console.log): Promise<WalkthroughSummary> {
  // The identity service's issuer must be the served URL, which is known only once serving.
  const served = await serveLate();
  try {
    const oauth = oauthServer({ issuer: `${served.url}/identity`, tokenPath: 'oauth/token', clients: [{ clientId: 'walkthrough', clientSecret: 'demo-secret' }] });
    const api = sequoiaApi({
      owner: 'demo',
      identityUrl: oauth.issuer,
      contents: Array.from({ length: 5 }, (_, i) => ({ ref: `demo:c${i + 1}`, name: `Episode ${i + 1}`, type: 'episode' })),
      assets: Array.from({ length: 3 }, (_, i) => ({ ref: `demo:a${i + 1}`, contentRef: 'demo:c1', name: `Asset ${i + 1}` })),
      linkedPerPage: 2,
      visibleAfterReads: 1,
      authorize: async (request) => {
        const verdict = await oauth.verify(request);
        return verdict.ok ? undefined : verdict.response;
      },
    });
    served.use([oauth, api]);

    const onEvent = (event: SluiceEvent) => {
      const path = new URL(event.url).pathname + new URL(event.url).search;
      if (event.type === 'retry') log(`  ↻ [${event.correlationId}] ${event.method} ${path}: ${event.reason}, again in ${event.delayMs} ms`);
      if (event.type === 'attempt') log(`  → [${event.correlationId}] ${event.method} ${path} attempt ${event.attempt}: ${event.status ?? 'error'}`);
    };

    log(`Simulated Sequoia on ${served.url}`);
    log('1. Discover the services through the registry, with CLIENT_GRANT auth');
    const client = await connectSequoia({
      registryUrl: `${served.url}/registry/services/demo`,
      auth: { type: 'CLIENT_GRANT', clientId: 'walkthrough', clientSecret: 'demo-secret' },
      userId: 'user123',
      applicationId: 'app101',
      backoffStrategy: { waitGen: 'constant', interval: 50, maxTries: 5 },
      resources: { metadata: ['contents', 'assets'] },
      onEvent,
    });
    log(`   services: ${[...client.services].map(([name, url]) => `${name} → ${url}`).join(', ')}`);

    log('2. Store a content; it shows up one read later, so read retries while the result is empty');
    await client.metadata.contents.store('demo', { ref: 'demo:c6', name: 'Episode 6', type: 'episode' });
    const late = await client.metadata.contents.read('demo', 'demo:c6', { retryWhenEmptyResult: true });
    log(`   read ${late.resources.map((c) => c['ref']).join(', ')}`);

    log('3. Browse episodes two per page through meta.continue: one correlation id for the operation');
    const browse = client.metadata.contents.browse('demo', new Criteria().addCriterion(field('type').equalTo('episode')), { perPage: 2 });
    const contents: string[] = [];
    for await (const page of browse) contents.push(...page.resources.map((c) => String(c['ref'])));
    log(`   ${contents.length} contents: ${contents.join(', ')}`);

    log('4. Page through the linked assets of demo:c1');
    const withAssets = client.metadata.contents.browse(
      'demo',
      new Criteria().addCriterion(field('ref').equalTo('demo:c1')).addInclusion(Inclusion.resource('assets').fields('name', 'ref')),
    );
    const assets: string[] = [];
    for await (const page of withAssets.linked('assets')) assets.push(...page.map((a) => String(a['ref'])));
    log(`   ${assets.length} assets: ${assets.join(', ')}`);
    log(`Done: ${api.requests.length} requests to the services, ${oauth.stats.tokenCalls} token call(s).`);
    return {
      requests: api.requests.length,
      tokenCalls: oauth.stats.tokenCalls,
      contents,
      assets,
      correlationIds: [browse.correlationId, withAssets.correlationId].filter((id): id is string => id !== undefined),
    };
  } finally {
    await served.close();
  }
}
