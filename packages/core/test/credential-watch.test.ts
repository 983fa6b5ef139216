import { announceCredentialSource, type Context, type CredentialSource, CredentialWatch, compose, type Middleware, UNLEARNED } from '@sluice/core';
import { describe, expect, it } from 'vitest';

/** An auth-like middleware that announces `source`, over a terminal that answers at once. */
function pipelineWith(source: CredentialSource, outer: Middleware[] = []) {
  const auth: Middleware = {
    name: 'auth',
    handle(request, context, next) {
      announceCredentialSource(context, source);
      return next(request);
    },
  };
  return compose([...outer, auth], { fetch: () => Promise.resolve(new Response('ok')) });
}

describe('CredentialWatch', () => {
  it('learns the auth of its chain even when requests went through auth before any watch existed', async () => {
    const source: CredentialSource = { credentialIdentity: () => Promise.resolve('alice') };
    // Requests announced while no watch exists (announcements are then not recorded).
    await pipelineWith(source)('https://api.example.test/early');
    const watch = new CredentialWatch();
    let seen: Context | undefined;
    const sharing: Middleware = {
      name: 'sharing',
      async handle(request, context, next) {
        expect(await watch.identity(request, context)).toBe(seen === undefined ? UNLEARNED : 'alice');
        const response = await next(request);
        watch.learn(context, true);
        seen = context;
        return response;
      },
    };
    const pipeline = pipelineWith(source, [sharing]);
    await pipeline('https://api.example.test/first');
    await pipeline('https://api.example.test/second');
    expect(seen).toBeDefined();
  });

  it('hears the announcement of a watched context as it happens', async () => {
    const source: CredentialSource = { credentialIdentity: () => Promise.resolve('bob') };
    const watch = new CredentialWatch();
    const heard: CredentialSource[] = [];
    const sharing: Middleware = {
      name: 'sharing',
      handle(request, context, next) {
        watch.watch(context, (announced) => heard.push(announced));
        return next(request);
      },
    };
    await pipelineWith(source, [sharing])('https://api.example.test/watched');
    expect(heard).toEqual([source]);
  });
});
