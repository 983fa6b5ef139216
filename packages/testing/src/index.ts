export * from './handler-set.js';
export * from './rate-limited-api.js';
export * from './flaky-api.js';
export * from './paginated-collection.js';
export * from './recorder.js';
export * from './oauth-server.js';
