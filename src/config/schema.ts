// The config grammar: dlt's rest_api_source keys, snake_case, accepted verbatim, plus a few streamtap
// extensions (rate_limit, max_pages, concurrency, max_parallel_resources, ...) documented in docs/rest-features.md.
// Objects are strict so a misspelt key is an error that names its path, not a silent no-op.
// Cross-field rules (a paginator that can never stop, a placeholder naming an unknown param) live in source.ts.
import { z } from 'zod';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const secretRefSchema = z.strictObject({
  $secret: z.string().regex(IDENTIFIER, 'a secret name: letters, digits and _'),
});

/** A secret must arrive by reference; a literal string here would end up in files and logs. */
const secretSchema = z.union([secretRefSchema, z.string()]).superRefine((value, ctx) => {
  if (typeof value === 'string') {
    ctx.addIssue({
      code: 'custom',
      message: 'secrets must be secret references, e.g. secret("api_key") in TS or {"$secret": "api_key"} in JSON/YAML',
    });
  }
});

/** Identifiers that are not secret by nature (a client id, a user name) may be literals or references. */
const maybeSecretSchema = z.union([secretRefSchema, z.string().min(1)]);

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

type AnyFunction = (...args: never[]) => unknown;
function fn<T extends AnyFunction>(what: string) {
  return z.custom<T>((v) => typeof v === 'function', {
    message: `a function for ${what} (only TS/JS configs can hold one)`,
  });
}

// ── auth ────────────────────────────────────────────────────────────────────────────────────────────

/**
 * A field dlt would read from its `credentials` config section when the config leaves it out (`"auth": "bearer"`,
 * `{"type": "http_basic", "username": "u"}`): here the secret `credentials__<field>`, i.e. the env variable
 * CREDENTIALS__<FIELD> (dlt's name for it) or STREAMTAP_SECRET_CREDENTIALS__<FIELD>, or that key in the secrets file.
 */
const fromCredentials = (field: string) => ({ $secret: `credentials__${field}` });

// dlt accepts `{ "token": ... }` without a type as bearer auth; the discriminator is optional for that reason.
const bearerAuth = z.strictObject({
  type: z.literal('bearer').optional(),
  token: secretSchema.default(fromCredentials('token')),
});
const apiKeyAuth = z.strictObject({
  type: z.literal('api_key'),
  name: z.string().min(1).default('Authorization'),
  api_key: secretSchema.default(fromCredentials('api_key')),
  // dlt's aliases: `param` is `query`
  location: z.enum(['header', 'query', 'param', 'cookie']).default('header'),
});
const httpBasicAuth = z.strictObject({
  type: z.literal('http_basic'),
  // dlt allows an empty user name (an API that takes the key as the password, or the reverse)
  username: z.union([secretRefSchema, z.string()]).default(fromCredentials('username')),
  password: secretSchema.default(fromCredentials('password')),
});
const oauth2ClientCredentials = z.strictObject({
  type: z.literal('oauth2_client_credentials'),
  access_token_url: z
    .union([z.url({ protocol: /^https?$/ }), secretRefSchema])
    .default(fromCredentials('access_token_url')),
  client_id: maybeSecretSchema.default(fromCredentials('client_id')),
  client_secret: secretSchema.default(fromCredentials('client_secret')),
  /** extra form fields besides client_id, client_secret and grant_type=client_credentials */
  access_token_request_data: z.record(z.string(), scalar).optional(),
  /** seconds a token lives when the token response has no expires_in */
  default_token_expiration: z.number().int().positive().default(3600),
  /** a token obtained elsewhere, used until it expires or is refused */
  access_token: secretSchema.optional(),
});

const AUTH_TYPES = 'bearer, api_key, http_basic, oauth2_client_credentials';
const authObjectSchema = z.discriminatedUnion(
  'type',
  [bearerAuth, apiKeyAuth, httpBasicAuth, oauth2ClientCredentials],
  {
    error: (issue) => (issue.code === 'invalid_union' ? `unknown auth type: expected one of ${AUTH_TYPES}` : undefined),
  },
);
/** dlt's shorthand: an auth type name alone (`"auth": "bearer"`), every field from the credentials secrets. */
export const authSchema = z.preprocess((v) => (typeof v === 'string' ? { type: v } : v), authObjectSchema);

// ── paginators ──────────────────────────────────────────────────────────────────────────────────────

/** A JSONPath string (`entries`, `$.data.items`), or path segments; `[]` and `$` select the body itself. */
export const dataSelectorSchema = z.union([z.string().min(1), z.array(z.union([z.string(), z.number().int()]))]);
const jsonPath = dataSelectorSchema;
const stopCondition = z.string().min(1).optional();
/**
 * An optional paginator argument that may also be written `null`: in dlt every one of them is a keyword argument
 * whose default is None, so `"offset_param": null` means "not given" (the default applies).
 */
const unset = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

const singlePage = z.strictObject({ type: z.literal('single_page') });
const autoPaginator = z.strictObject({ type: z.literal('auto') });
const jsonLink = z.strictObject({
  type: z.literal('json_link'),
  next_url_path: jsonPath.default('next'),
  stop_condition: stopCondition,
});
/** dlt's deprecated name for json_link */
const jsonResponse = z.strictObject({
  type: z.literal('json_response'),
  next_url_path: jsonPath.default('next'),
  stop_condition: stopCondition,
});
const headerLink = z.strictObject({
  type: z.literal('header_link'),
  links_next_key: z.string().min(1).default('next'),
  stop_condition: stopCondition,
});
const headerCursor = z.strictObject({
  type: z.literal('header_cursor'),
  cursor_key: z.string().min(1).default('next'),
  cursor_param: z.string().min(1).default('cursor'),
  stop_condition: stopCondition,
});
const cursor = z.strictObject({
  type: z.literal('cursor'),
  cursor_path: jsonPath.default('cursors.next'),
  /** query parameter for the cursor; defaults to `cursor` unless cursor_body_path is given */
  cursor_param: unset(z.string().min(1)),
  /** where the cursor goes in the JSON body of a POST, e.g. `pagination.cursor` */
  cursor_body_path: unset(jsonPath),
  /** dlt: stop on a page without records; off by default for cursor, as in dlt */
  stop_after_empty_page: z.boolean().default(false),
  /** dlt: JSONPath to a boolean "more pages" flag; false stops */
  has_more_path: unset(jsonPath),
  stop_condition: stopCondition,
});
const rangeStops = {
  /** JSONPath to the total (items for offset, pages for page_number); null: no total in the response */
  total_path: jsonPath.nullable().default('total'),
  stop_after_empty_page: z.boolean().default(true),
  has_more_path: unset(jsonPath),
  stop_condition: stopCondition,
};
const offset = z.strictObject({
  type: z.literal('offset'),
  limit: z.number().int().positive(),
  offset: z.number().int().nonnegative().default(0),
  offset_param: unset(z.string().min(1)),
  offset_body_path: unset(jsonPath),
  limit_param: unset(z.string().min(1)),
  limit_body_path: unset(jsonPath),
  maximum_offset: unset(z.number().int().positive()),
  ...rangeStops,
});
const pageNumber = z.strictObject({
  type: z.literal('page_number'),
  base_page: z.number().int().nonnegative().default(0),
  /** the first page requested; defaults to base_page */
  page: z.number().int().nonnegative().optional(),
  page_param: unset(z.string().min(1)),
  page_body_path: unset(jsonPath),
  maximum_page: unset(z.number().int().positive()),
  ...rangeStops,
});

const PAGINATOR_TYPES = [
  'json_link',
  'json_response',
  'header_link',
  'header_cursor',
  'offset',
  'page_number',
  'cursor',
  'single_page',
  'auto',
] as const;

export const paginatorObjectSchema = z.discriminatedUnion(
  'type',
  [singlePage, autoPaginator, jsonLink, jsonResponse, headerLink, headerCursor, cursor, offset, pageNumber],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `unknown paginator type: expected one of ${PAGINATOR_TYPES.join(', ')}`
        : undefined,
  },
);
/** dlt accepts a bare type name (`"header_link"`); it means that paginator with its defaults. */
export const paginatorSchema = z.union([
  z
    .enum(PAGINATOR_TYPES)
    .transform((type) => ({ type }))
    .pipe(paginatorObjectSchema),
  paginatorObjectSchema,
]);

/**
 * Request headers by name. A name must be an HTTP token (RFC 9110 §5.1), once `{{`/`}}` are read as braces: braces
 * are not token characters, so `"X-{{id}}"` is refused here (dlt sends it through Python's lenient http.client;
 * Node's HTTP client refuses it at the first request, which would be a later and vaguer error).
 */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const headersSchema = z.record(z.string(), z.string()).superRefine((headers, ctx) => {
  for (const name of Object.keys(headers))
    if (!HEADER_NAME.test(name.replace(/\{\{|\}\}/g, '{')))
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `"${name}" is not an HTTP header name: letters, digits and !#$%&'*+-.^_\`|~ only (RFC 9110 §5.1); braces and spaces cannot be sent`,
      });
});

// ── endpoint ────────────────────────────────────────────────────────────────────────────────────────

const incrementalValue = z.union([z.string(), z.number()]);
const incrementalCommon = {
  /** JSONPath inside each record, e.g. `updated_at` */
  cursor_path: jsonPath,
  initial_value: incrementalValue.optional(),
  last_value_func: z.enum(['max', 'min']).default('max'),
  on_cursor_value_missing: z.enum(['raise', 'include', 'exclude']).default('raise'),
  /** `asc`/`desc`: the API returns records in cursor order, so pagination stops once past end_value */
  row_order: z.enum(['asc', 'desc']).optional(),
  range_start: z.enum(['open', 'closed']).default('closed'),
  range_end: z.enum(['open', 'closed']).default('open'),
  /** turns a cursor value into what the API expects as a parameter (TS configs) */
  convert: fn<(value: unknown) => unknown>('convert').optional(),
  /**
   * dlt's attribution window: a later run starts this far behind the saved last value (seconds for timestamps,
   * days for dates, units for numbers), never before initial_value; off with end_value
   */
  lag: z.number().nonnegative().optional(),
};

export const incrementalSchema = z.strictObject({
  ...incrementalCommon,
  start_param: z.string().min(1).optional(),
  end_param: z.string().min(1).optional(),
  end_value: incrementalValue.optional(),
});

const onlyAtEndpointLevel = z.unknown().superRefine((_v, ctx) =>
  ctx.addIssue({
    code: 'custom',
    message: 'only allowed in endpoint.incremental, not in an incremental param (as in dlt)',
  }),
);
const incrementalParam = z.strictObject({
  type: z.literal('incremental'),
  ...incrementalCommon,
  end_value: onlyAtEndpointLevel.optional(),
  end_param: onlyAtEndpointLevel.optional(),
});
const resolveParam = z.strictObject({
  type: z.literal('resolve'),
  resource: z.string().regex(IDENTIFIER, 'a resource name'),
  /** JSONPath in the parent record, e.g. `id` or `owner.id` */
  field: jsonPath,
});
export const paramValueSchema = z.union([
  scalar,
  z.discriminatedUnion('type', [resolveParam, incrementalParam], {
    error: (issue) =>
      issue.code === 'invalid_union' ? 'a param object must have type "resolve" or "incremental"' : undefined,
  }),
]);

export interface ResponseView {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** parsed JSON, or the text when the body is not JSON */
  readonly body: unknown;
}
export type ResponseHook = (response: ResponseView) => ResponseView | void;

/**
 * Thrown by a response hook to drop the response: no records, and the walk of that request ends, as an `ignore`
 * action does (dlt's `IgnoreResponseException`, raised by its hooks for the same purpose).
 */
export class IgnoreResponse extends Error {
  constructor(message = 'response ignored by a response action') {
    super(message);
    this.name = 'IgnoreResponse';
  }
}

const responseHook = fn<ResponseHook>('response action');
export const responseActionSchema = z.union([
  responseHook,
  z
    .strictObject({
      /** an exact status, or a class such as "4xx" */
      status_code: z
        .union([
          z.number().int().min(100).max(599),
          z.string().regex(/^[1-5](\d\d|xx)$/, 'a status such as 404 or "4xx"'),
        ])
        .optional(),
      /** a substring of the response body */
      content: z.string().min(1).optional(),
      /** ignore: no records, end of data for this request (dlt); retry: a retriable failure (streamtap) */
      action: z.union([z.string(), responseHook, z.array(responseHook).min(1)]),
    })
    .superRefine((rule, ctx) => {
      if (typeof rule.action === 'string' && rule.action !== 'ignore' && rule.action !== 'retry')
        ctx.addIssue({
          code: 'custom',
          path: ['action'],
          message: `"${rule.action}" is not a response action: dlt's is "ignore" (streamtap adds "retry"); anything else is a function in a TS/JS config`,
        });
    }),
]);

export const endpointSchema = z.strictObject({
  /** defaults to the resource name (dlt) */
  path: z.string().min(1).optional(),
  method: z.enum(['GET', 'POST']).default('GET'),
  params: z.record(z.string(), paramValueSchema).optional(),
  json: z.record(z.string(), z.unknown()).optional(),
  /**
   * dlt's `data`: a form (`{field: value}` or `[[field, value], ...]`, sent as application/x-www-form-urlencoded)
   * or a raw string body; not with `json` (dlt refuses both)
   */
  data: z.union([z.record(z.string(), scalar), z.array(z.tuple([z.string(), scalar])), z.string()]).optional(),
  headers: headersSchema.optional(),
  /** null resets a default from resource_defaults (dlt): the records are detected again */
  data_selector: dataSelectorSchema.nullable().optional(),
  /** null resets a default from resource_defaults (dlt): the client's paginator, else detection */
  paginator: paginatorSchema.nullable().optional(),
  response_actions: z.array(responseActionSchema).optional(),
  incremental: incrementalSchema.optional(),
  auth: authSchema.optional(),
});

// ── resources ───────────────────────────────────────────────────────────────────────────────────────

export const writeDispositionSchema = z.enum(['append', 'merge', 'replace']);
/** dlt also takes `{ "disposition": "merge", "strategy": "upsert" }`; streamtap keeps the disposition. */
const writeDispositionInput = z.union([
  writeDispositionSchema,
  z.strictObject({ disposition: writeDispositionSchema, strategy: z.string().min(1).optional() }),
]);
export const primaryKeySchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const processingStep = z.union([
  z.strictObject({ filter: fn<(record: unknown) => unknown>('filter') }),
  z.strictObject({ map: fn<(record: unknown) => unknown>('map') }),
  /** dlt's yield_map: one record in, any number out (an array or an iterable) */
  z.strictObject({ yield_map: fn<(record: unknown) => unknown>('yield_map') }),
]);

/** dlt's data types for the `columns` hint (dlt/common/schema/typing.py, TDataType). */
export const DLT_DATA_TYPES = [
  'text',
  'double',
  'bool',
  'timestamp',
  'bigint',
  'binary',
  'json',
  'decimal',
  'wei',
  'date',
  'time',
] as const;
// ClickHouse's Decimal holds precision 1-76; dlt's default decimal is (38, 9). The same figures drive the
// Avro mapping in avro/dlt-types.ts, a folder of this layer that config may not import (architecture.md).
const MAX_DECIMAL_PRECISION = 76;
const DEFAULT_DECIMAL = { precision: 38, scale: 9 } as const;
const columnHint = z
  .looseObject({
    data_type: z.enum(DLT_DATA_TYPES).optional(),
    nullable: z.boolean().optional(),
    primary_key: z.boolean().optional(),
    precision: z.number().int().positive().optional(),
    scale: z.number().int().nonnegative().optional(),
    timezone: z.boolean().optional(),
  })
  // A decimal ClickHouse cannot hold is refused here, at load, not dropped at run time.
  .superRefine((hint, ctx) => {
    if (hint.data_type !== 'decimal') return;
    const precision = hint.precision ?? DEFAULT_DECIMAL.precision;
    const scale = hint.scale ?? DEFAULT_DECIMAL.scale;
    if (precision > MAX_DECIMAL_PRECISION)
      ctx.addIssue({
        code: 'custom',
        path: ['precision'],
        message: `decimal precision ${precision} is above ${MAX_DECIMAL_PRECISION}, the most ClickHouse's Decimal holds`,
      });
    if (scale > precision)
      ctx.addIssue({
        code: 'custom',
        path: ['scale'],
        message: `decimal scale ${scale} is above its precision ${precision}: no value fits decimal(${precision}, ${scale})`,
      });
  });
/** dlt's columns hint: a dict by column name, or a list of columns each with a `name`. */
export const columnsHintSchema = z.union([
  z.record(z.string(), columnHint),
  z.array(columnHint.extend({ name: z.string().min(1) })),
]);
const contractMode = z.enum(['evolve', 'freeze', 'discard_row', 'discard_value']);
/** dlt's schema_contract: one mode for all, or per entity (tables, columns, data_type). */
export const schemaContractSchema = z.union([
  contractMode,
  z.strictObject({
    tables: contractMode.optional(),
    columns: contractMode.optional(),
    data_type: contractMode.optional(),
  }),
]);
/** dlt hints with no meaning for a Kafka topic and a ClickHouse table: accepted, and `check` says so once. */
export const NO_MEANING_HINTS = [
  'table_format',
  'file_format',
  'references',
  'nested_hints',
  'parent_table_name',
] as const;

const resourceFields = {
  table_name: z
    .union([
      z.string().regex(IDENTIFIER, 'a table name: letters, digits and _'),
      // dlt: a function of the record picks its table; streamtap keeps one topic and one table per resource
      fn<(record: unknown) => unknown>('table_name'),
    ])
    .optional(),
  primary_key: primaryKeySchema.optional(),
  /** dlt's merge_key: kept on the resource; streamtap's merge is by primary key */
  merge_key: primaryKeySchema.optional(),
  columns: columnsHintSchema.optional(),
  schema_contract: schemaContractSchema.optional(),
  ...Object.fromEntries(NO_MEANING_HINTS.map((k) => [k, z.unknown().optional()])),
  write_disposition: writeDispositionInput.optional(),
  selected: z.boolean().optional(),
  /** accepted for dlt compatibility: streamtap never splits nested data into child tables */
  max_table_nesting: z.number().int().nonnegative().optional(),
  include_from_parent: z.array(z.string().min(1)).optional(),
  processing_steps: z.array(processingStep).optional(),
  /** dlt: fetch children of several parent records at once (streamtap: concurrency 4 unless `concurrency` says) */
  parallelized: z.boolean().optional(),
  /** streamtap: child requests in flight for this resource */
  concurrency: z.number().int().positive().max(256).optional(),
  /** streamtap: a runaway guard; more pages than this in one run fail the resource */
  max_pages: z.number().int().positive().optional(),
  /** streamtap: how the resource's topic is created; partitions default to settings topics.partitions, else 3 */
  kafka: z.strictObject({ partitions: z.number().int().positive().max(100_000).optional() }).optional(),
};

export const resourceSchema = z.strictObject({
  name: z.string().regex(IDENTIFIER, 'a resource name: letters, digits and _ (it names a topic and a table)'),
  ...resourceFields,
  endpoint: z.union([z.string().min(1), endpointSchema]).optional(),
});

export const resourceDefaultsSchema = z.strictObject({
  ...resourceFields,
  endpoint: endpointSchema.partial().optional(),
});

export const rateLimitSchema = z.strictObject({
  /** average request rate for the whole client (all resources of the source) */
  requests_per_second: z.number().positive().optional(),
  /** requests allowed back to back before the rate applies */
  burst: z.number().int().positive().optional(),
  /** requests in flight at once for the whole client */
  max_concurrency: z.number().int().positive().optional(),
});

export const clientSchema = z.strictObject({
  base_url: z.url({ protocol: /^https?$/ }),
  auth: authSchema.optional(),
  headers: headersSchema.optional(),
  paginator: paginatorSchema.optional(),
  /** streamtap: query params sent with every request (endpoint params win) */
  params: z.record(z.string(), scalar).optional(),
  rate_limit: rateLimitSchema.optional(),
  /** streamtap: responses larger than this fail with RESPONSE_TOO_LARGE */
  max_response_bytes: z.number().int().positive().optional(),
  /** streamtap: per-attempt timeout */
  timeout_seconds: z.number().positive().optional(),
});

export const sourceSchema = z.strictObject({
  name: z
    .string()
    .regex(IDENTIFIER, 'a source name: letters, digits and _ (it names topics and a database)')
    .optional(),
  client: clientSchema,
  resource_defaults: resourceDefaultsSchema.optional(),
  resources: z.array(z.union([resourceSchema, z.string().min(1)])).min(1),
  /** streamtap: resources (with their parents and children) extracted at once; default all */
  max_parallel_resources: z.number().int().positive().optional(),
});

export type SecretRef = z.infer<typeof secretRefSchema>;
export type AuthConfig = z.infer<typeof authSchema>;
export type PaginatorConfig = z.infer<typeof paginatorObjectSchema>;
export type EndpointConfig = z.infer<typeof endpointSchema>;
export type IncrementalConfig = z.infer<typeof incrementalSchema>;
export type ParamValue = z.infer<typeof paramValueSchema>;
export type ResponseAction = z.infer<typeof responseActionSchema>;
export type DataSelector = z.infer<typeof dataSelectorSchema>;
export type WriteDisposition = z.infer<typeof writeDispositionSchema>;
export type RateLimitConfig = z.infer<typeof rateLimitSchema>;
export type ResourceConfigParsed = z.infer<typeof resourceSchema>;
/** What users write (input side: defaults not yet applied). */
export type SourceConfigInput = z.input<typeof sourceSchema>;
export type SourceConfigParsed = z.infer<typeof sourceSchema>;
