import { clientCredentials, tokenAuth } from '@sluice/auth';
import { createClient } from 'sluice';

const api = 'http://127.0.0.1:8080';
const client = createClient({
  auth: tokenAuth(clientCredentials({ tokenUrl: `${api}/token`, clientId: 'bench', clientSecret: 's3cret', initialToken: 't0' }), {
    origins: [api],
  }),
});

export {};
