// The config grammar: dlt's rest_api_source keys, snake_case, accepted verbatim.
// Objects are strict so a misspelt key is an error that names its path, not a silent no-op.
import { z } from 'zod';

export const secretRefSchema = z.strictObject({
  $secret: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a secret name: letters, digits and _'),
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

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const bearerAuth = z.strictObject({ type: z.literal('bearer'), token: secretSchema });

export const authSchema = z.discriminatedUnion('type', [bearerAuth]);

const cursorPaginator = z.strictObject({
  type: z.literal('cursor'),
  cursor_path: z.string().min(1).default('cursors.next'),
  cursor_param: z.string().min(1).default('cursor'),
  stop_condition: z.string().min(1).optional(),
});
const singlePagePaginator = z.strictObject({ type: z.literal('single_page') });

export const paginatorObjectSchema = z.discriminatedUnion('type', [cursorPaginator, singlePagePaginator]);
/** dlt accepts a bare type name for paginators that take no options. */
export const paginatorSchema = z.union([
  z.enum(['single_page']).transform((type) => ({ type })),
  paginatorObjectSchema,
]);

/** A JSONPath string (`entries`, `$.data.items`), or path segments; `[]` and `$` select the body itself. */
export const dataSelectorSchema = z.union([z.string().min(1), z.array(z.union([z.string(), z.number().int()]))]);

export const endpointSchema = z.strictObject({
  path: z.string().min(1),
  method: z.enum(['GET', 'POST']).default('GET'),
  params: z.record(z.string(), scalar).optional(),
  data_selector: dataSelectorSchema.optional(),
  paginator: paginatorSchema.optional(),
});

export const writeDispositionSchema = z.enum(['append', 'merge', 'replace']);
export const primaryKeySchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const resourceFields = {
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a resource name: letters, digits and _ (it names a topic and a table)'),
  table_name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  primary_key: primaryKeySchema.optional(),
  write_disposition: writeDispositionSchema.optional(),
  selected: z.boolean().optional(),
};

export const resourceSchema = z.strictObject({
  ...resourceFields,
  endpoint: z.union([z.string().min(1), endpointSchema]).optional(),
});

export const resourceDefaultsSchema = z.strictObject({
  primary_key: resourceFields.primary_key,
  write_disposition: resourceFields.write_disposition,
  selected: resourceFields.selected,
  endpoint: endpointSchema.partial().optional(),
});

export const clientSchema = z.strictObject({
  base_url: z.url({ protocol: /^https?$/ }),
  auth: authSchema.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  paginator: paginatorSchema.optional(),
});

export const sourceSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a source name: letters, digits and _ (it names topics and a database)').optional(),
  client: clientSchema,
  resource_defaults: resourceDefaultsSchema.optional(),
  resources: z.array(z.union([resourceSchema, z.string().min(1)])).min(1),
});

export type SecretRef = z.infer<typeof secretRefSchema>;
export type AuthConfig = z.infer<typeof authSchema>;
export type PaginatorConfig = z.infer<typeof paginatorObjectSchema>;
export type EndpointConfig = z.infer<typeof endpointSchema>;
export type DataSelector = z.infer<typeof dataSelectorSchema>;
export type WriteDisposition = z.infer<typeof writeDispositionSchema>;
/** What users write (input side: defaults not yet applied). */
export type SourceConfigInput = z.input<typeof sourceSchema>;
export type SourceConfigParsed = z.infer<typeof sourceSchema>;
