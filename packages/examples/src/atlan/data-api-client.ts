import { type AtlanCredentials, BaseClient, type BaseClientOptions } from './base-client.js';

/**
 * A data source of the example API.
 *
 * @example
 * ```ts
 * const names = (sources: DataSource[]) => sources.map((source) => `${source.id}: ${source.name}`);
 * ```
 */
export interface DataSource {
  id: string;
  name: string;
}

/**
 * The "complete client example" of Atlan's application SDK: a {@link BaseClient} subclass whose `load` reads
 * `api_key` (through `BaseClient`'s check, keeping the client-level `httpHeaders`) and
 * `base_url`, sets its user agent, with short timeouts for metadata calls and long ones for
 * queries and uploads.
 *
 * @example
 * ```ts
 * const client = new DataApiClient();
 * await client.load({ credentials: { api_key: 'secret', base_url: 'https://api.datasource.com' } });
 * const sources = await client.getSources();
 * await client.close();
 * ```
 */
export class DataApiClient extends BaseClient {
  #baseUrl = 'https://api.datasource.com';

  constructor(options: BaseClientOptions = {}) {
    super({ retry: { total: 3, backoffFactor: 5 }, ...options });
  }

  override async load(options: { credentials: AtlanCredentials }): Promise<void> {
    this.useApiKey(options, 'DataApiClient.load');
    const baseUrl = options.credentials['base_url'];
    if (baseUrl !== undefined) {
      if (typeof baseUrl !== 'string' || !URL.canParse(baseUrl)) throw new TypeError(`DataApiClient.load: "credentials.base_url" must be an absolute URL, got ${String(baseUrl)}.`);
      this.#baseUrl = baseUrl.replace(/\/+$/, '');
    }
    this.httpHeaders.set('user-agent', 'AtlanSDK/1.0');
    this.connect();
  }

  /** `GET /v1/sources` (30 s deadline). */
  async getSources(): Promise<DataSource[]> {
    const response = await this.executeHttpGetRequest(`${this.#baseUrl}/v1/sources`, { timeout: 30_000 });
    return ((await response.json()) as { sources?: DataSource[] }).sources ?? [];
  }

  /** `POST /v1/query` with a JSON body (300 s deadline). */
  async queryData(sourceId: string, query: string, parameters: Record<string, unknown> = {}): Promise<unknown[]> {
    const response = await this.executeHttpPostRequest(`${this.#baseUrl}/v1/query`, {
      json: { source_id: sourceId, query, parameters },
      timeout: 300_000,
    });
    return ((await response.json()) as { data?: unknown[] }).data ?? [];
  }

  /** `POST /v1/upload` as multipart/form-data (600 s deadline). */
  async uploadData(file: Blob, fileName: string, destination: string): Promise<unknown> {
    const response = await this.executeHttpPostRequest(`${this.#baseUrl}/v1/upload`, {
      files: { file: { filename: fileName, content: file, contentType: 'application/octet-stream' } },
      data: { destination },
      timeout: 600_000,
    });
    return response.json();
  }
}
