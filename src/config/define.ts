import type { SecretRef, SourceConfigInput } from './schema.js';

/** Typed identity for TS configs: `export default defineSource({...})`. Validation happens at load. */
export function defineSource(config: SourceConfigInput): SourceConfigInput {
  return config;
}

/** The TS spelling of dlt's `dlt.secrets["name"]`: a reference, resolved from the environment at start-up. */
export function secret(name: string): SecretRef {
  return { $secret: name };
}
