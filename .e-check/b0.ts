import { compose, concurrency, QueueFullError, retry } from '@sluice/core';

const limiter = concurrency({
  limit: 8,
  key: (request) => new URL(request.url).origin, // a separate limit and queue per origin
  maxQueue: 500, // the 501st waiting request fails at once
});
const pipeline = compose([retry(), limiter]);

try {
  await pipeline('https://api.example.com/users');
} catch (error) {
  if (error instanceof QueueFullError) console.log('busy, try later');
}
console.log(limiter.stats('https://api.example.com')); // { inFlight: 0, queued: 0 }

export {};
