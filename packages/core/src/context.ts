// The contract types live in types/. This file stays for the modules the scheduler rebuild
// is moving (middleware/retry.ts, middleware/concurrency.ts, retry/*), until that lands.
export type * from './types/index.js';
