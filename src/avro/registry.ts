// A client for the Confluent Schema Registry REST API, which Apicurio (at /apis/ccompat/v7), Karapace
// and Redpanda also speak. streamtap uses two calls: register a schema under `<topic>-value`, and
// fetch a schema by the id a message carries. Both are cached: a schema is registered once per
// process, an id fetched once.
import { ErrorCode, StreamtapError } from '../errors.js';

export class SchemaRegistryError extends StreamtapError {
  readonly code = ErrorCode.SCHEMA_REGISTRY;
  constructor(
    message: string,
    /** HTTP status, 0 when the registry did not answer */
    readonly status: number,
    /** the registry was unreachable or failed on its side: trying again later may work */
    retriable: boolean,
  ) {
    super(message, { retriable });
  }
}

export interface SchemaRegistry {
  /** the registry's base URL without credentials, for messages */
  readonly url: string;
  register(subject: string, schema: object): Promise<number>;
  schemaById(id: number): Promise<object>;
}

/** `SCHEMA_REGISTRY_URL` (credentials may be in the URL, or `user:password` in SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO). */
export function schemaRegistryFromEnv(env: NodeJS.ProcessEnv = process.env): SchemaRegistry | undefined {
  const url = env.SCHEMA_REGISTRY_URL?.trim();
  if (!url) return undefined;
  return new SchemaRegistryClient(url, env.SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO);
}

export class SchemaRegistryClient implements SchemaRegistry {
  readonly url: string;
  private readonly authorization: string | undefined;
  private readonly registered = new Map<string, Promise<number>>();
  private readonly byId = new Map<number, Promise<object>>();

  constructor(
    url: string,
    userInfo?: string,
    private readonly timeoutMs = 10_000,
  ) {
    const parsed = new URL(url);
    const user =
      userInfo ??
      (parsed.username ? `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}` : undefined);
    parsed.username = '';
    parsed.password = '';
    this.url = parsed.toString().replace(/\/+$/, '');
    this.authorization = user ? `Basic ${Buffer.from(user).toString('base64')}` : undefined;
  }

  register(subject: string, schema: object): Promise<number> {
    const text = JSON.stringify(schema);
    const cacheKey = `${subject}\n${text}`;
    let id = this.registered.get(cacheKey);
    if (!id) {
      id = this.call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema: text }).then((body) => {
        const value = (body as { id?: unknown }).id;
        if (typeof value !== 'number')
          throw new SchemaRegistryError(`${this.url}: registering under ${subject} returned no id`, 200, false);
        return value;
      });
      this.registered.set(cacheKey, id);
      id.catch(() => this.registered.delete(cacheKey));
    }
    return id;
  }

  schemaById(id: number): Promise<object> {
    let schema = this.byId.get(id);
    if (!schema) {
      schema = this.call('GET', `/schemas/ids/${id}`).then((body) => {
        const { schema: text, schemaType } = body as { schema?: unknown; schemaType?: unknown };
        if (schemaType !== undefined && schemaType !== 'AVRO')
          throw new SchemaRegistryError(`schema id ${id} is ${String(schemaType)}, not Avro`, 200, false);
        if (typeof text !== 'string')
          throw new SchemaRegistryError(`${this.url}: schema id ${id} came without a schema`, 200, false);
        return JSON.parse(text) as object;
      });
      this.byId.set(id, schema);
      schema.catch(() => this.byId.delete(id));
    }
    return schema;
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(this.url + path, {
        method,
        headers: {
          accept: 'application/vnd.schemaregistry.v1+json, application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/vnd.schemaregistry.v1+json' }),
          ...(this.authorization ? { authorization: this.authorization } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new SchemaRegistryError(`schema registry ${this.url} unreachable: ${(error as Error).message}`, 0, true);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { message: text.slice(0, 300) };
    }
    if (!response.ok) {
      const { message, error_code: code } = parsed as { message?: string; error_code?: number };
      const what = `${method} ${path}`;
      const hint =
        response.status === 409
          ? ' (the registry refused the schema as incompatible with the subject\'s earlier versions: see docs/schemas.md, "Schema registry")'
          : '';
      throw new SchemaRegistryError(
        `schema registry ${this.url}: ${what} answered ${response.status}${code ? ` (error ${code})` : ''}: ${message ?? text.slice(0, 300)}${hint}`,
        response.status,
        response.status >= 500 || response.status === 429,
      );
    }
    return parsed;
  }
}
