import { parseLinkHeader } from '@sluice/core';

export { paginatedCollection } from '@sluice/testing';

/** rel → URI of a Link header, for assertions. */
export function parseLinkHeaderForTest(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const link of parseLinkHeader(header)) for (const rel of link.rel) out[rel] = link.uri;
  return out;
}
