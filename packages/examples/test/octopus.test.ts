import { UnauthorizedError } from '@sluice/core';
import { paginatedCollection, recorder } from '@sluice/testing';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OctopusClient, type OctopusLogger } from '../src/octopus/octopus-client.js';
import { useServer } from '@sluice/testing/node';

const SERVER = 'https://octopus.test';
const KEY = 'API-SUPERSECRET123';

const server = useServer({ beforeAll, afterEach, afterAll });

function memoryLogger(): OctopusLogger & { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  return { errors, warnings, error: (m) => errors.push(m), warning: (m) => warnings.push(m) };
}

describe('X-Octopus-ApiKey', () => {
  it('sends the key in the header; the recorder sees it redacted', async () => {
    const traffic = recorder({ secrets: ['x-octopus-apikey'] });
    let seen: string | null = null;
    server.use(
      ...traffic.handlers,
      http.get(`${SERVER}/api/projects/:id`, ({ request, params }) => {
        seen = request.headers.get('x-octopus-apikey');
        return HttpResponse.json({ Id: params.id, Name: 'Web' });
      }),
    );
    const octopus = new OctopusClient({ serverUrl: `${SERVER}/`, apiKey: KEY, logger: memoryLogger() });
    expect(await octopus.getSingleResource('project', 'Projects-1')).toEqual({ Id: 'Projects-1', Name: 'Web' });
    expect(seen).toBe(KEY);
    expect(traffic.requests[0]?.headers['x-octopus-apikey']).toBe('[REDACTED]');
  });

  it('rejects bad options with a TypeError', () => {
    expect(() => new OctopusClient({ serverUrl: 'octopus', apiKey: KEY })).toThrow(/"serverUrl" must be an absolute URL/);
    expect(() => new OctopusClient({ serverUrl: SERVER, apiKey: '' })).toThrow(/"apiKey" must be a non-empty string/);
    expect(() => new OctopusClient({ serverUrl: SERVER, apiKey: KEY, pageSize: 0 })).toThrow(/"pageSize" must be a positive integer/);
  });
});

describe('getPaginatedResources', () => {
  const projects = Array.from({ length: 12 }, (_, i) => ({ Id: `Projects-${i + 1}` }));
  const releases = Array.from({ length: 40 }, (_, i) => ({ Id: `Releases-${i + 1}` }));

  it('pages any kind with skip/take until LastPageNumber, under a path parameter', async () => {
    const collection = paginatedCollection(projects, 'skipTake', { url: `${SERVER}/api/Spaces-1/projects` });
    server.use(...collection.handlers);
    const octopus = new OctopusClient({ serverUrl: SERVER, apiKey: KEY, pageSize: 5, logger: memoryLogger() });
    const pages: number[] = [];
    for await (const page of octopus.getPaginatedResources('project', { pathParameter: 'Spaces-1', params: { partialName: 'W' } })) pages.push(page.length);
    expect(pages).toEqual([5, 5, 2]);
    expect(collection.requests.map((u) => new URL(u).searchParams.get('skip'))).toEqual(['0', '5', '10']);
    expect(collection.requests.every((u) => new URL(u).searchParams.get('partialName') === 'W')).toBe(true);
  });

  it('stops a limited kind at the max-items limit with a warning', async () => {
    const collection = paginatedCollection(releases, 'skipTake', { url: `${SERVER}/api/releases` });
    server.use(...collection.handlers);
    const logger = memoryLogger();
    const octopus = new OctopusClient({ serverUrl: SERVER, apiKey: KEY, pageSize: 10, maxItems: 25, logger });
    let count = 0;
    for await (const page of octopus.getPaginatedResources('release')) count += page.length;
    expect(count).toBe(25);
    expect(collection.requests).toHaveLength(3);
    expect(logger.warnings).toEqual(['Reached the limit of 25 releases. Skipping the rest of the releases.']);
  });

  it('does not limit other kinds', async () => {
    server.use(...paginatedCollection(releases, 'skipTake', { url: `${SERVER}/api/environments` }).handlers);
    const logger = memoryLogger();
    const octopus = new OctopusClient({ serverUrl: SERVER, apiKey: KEY, pageSize: 10, maxItems: 25, logger });
    let count = 0;
    for await (const page of octopus.getPaginatedResources('environment')) count += page.length;
    expect(count).toBe(40);
    expect(logger.warnings).toEqual([]);
    await expect(octopus.getPaginatedResources('../x').next()).rejects.toThrow(/"kind" must be a word/);
  });
});

describe('error logging', () => {
  it('logs the status and the response text, with the key redacted, then throws the typed error', async () => {
    server.use(
      http.get(`${SERVER}/api/projects`, () =>
        HttpResponse.json({ ErrorMessage: `The API key ${KEY} is invalid or expired`, Errors: [] }, { status: 401 }),
      ),
    );
    const logger = memoryLogger();
    const octopus = new OctopusClient({ serverUrl: SERVER, apiKey: KEY, logger });
    await expect(octopus.getPaginatedResources('project').next()).rejects.toBeInstanceOf(UnauthorizedError);
    expect(logger.errors).toHaveLength(1);
    const line = logger.errors[0] ?? '';
    expect(line).toContain(`Got HTTP error to url: ${SERVER}/api/projects?skip=0&take=50 with status code: 401 and response text: `);
    expect(line).toContain('The API key [REDACTED] is invalid or expired');
    expect(line).not.toContain(KEY);
  });

  it('logs a failed single resource with a text body', async () => {
    server.use(http.get(`${SERVER}/api/projects/:id`, () => new HttpResponse('Resource not found', { status: 404 })));
    const logger = memoryLogger();
    const octopus = new OctopusClient({ serverUrl: SERVER, apiKey: KEY, logger });
    await expect(octopus.getSingleResource('project', 'Projects-9')).rejects.toMatchObject({ name: 'NotFoundError', status: 404 });
    expect(logger.errors).toEqual([`Got HTTP error to url: ${SERVER}/api/projects/Projects-9 with status code: 404 and response text: Resource not found`]);
  });
});
