// dlt's `schema_contract` applied to one record's drift (src/avro/drift-collector.ts): what a record
// whose fields the schema does not know (dlt's `columns` entity), or whose values do not fit their type
// (dlt's `data_type` entity), becomes. The rule follows dlt's `Schema.apply_schema_contract`
// (dlt/common/schema/schema.py): `evolve` allows the change, `freeze` raises (dlt: DataValidationError),
// `discard_row` filters the row out, `discard_value` filters the value out and loads the rest. streamtap
// never drops silently, so where dlt filters a row the producer dead-letters it with the reason, and a
// filtered value is counted per path. The mapping, and why, is in docs/schemas.md ("Schema contract").
import { ErrorCode, StreamtapError } from '../errors.js';
import { Drift, normalPath, type Extra } from './drift-collector.js';

/** dlt's evolution modes (dlt/common/schema/typing.py `TSchemaEvolutionMode`). */
export type ContractMode = 'evolve' | 'freeze' | 'discard_row' | 'discard_value';

/** dlt's `TSchemaContractDict`, resolved: one mode per entity (src/config/source.ts resolves a config's). */
export interface SchemaContract {
  /** a resource without a schema file (docs/schemas.md: only `evolve` infers one) */
  readonly tables: ContractMode;
  /** a field the schema does not know */
  readonly columns: ContractMode;
  /** a value that does not fit its field's type */
  readonly data_type: ContractMode;
}

/** dlt's default contract: every entity `evolve`. */
export const DEFAULT_SCHEMA_CONTRACT: SchemaContract = { tables: 'evolve', columns: 'evolve', data_type: 'evolve' };

/** A record the contract refuses: `freeze` (the resource then fails) or `discard_row` (the run goes on). */
export class SchemaContractError extends StreamtapError {
  readonly code = ErrorCode.SCHEMA_CONTRACT;
  constructor(
    message: string,
    readonly entity: 'tables' | 'columns' | 'data_type',
    readonly mode: 'freeze' | 'discard_row',
    /** the API path of the first field that broke the contract */
    readonly path?: string,
  ) {
    super(message);
  }
}

/**
 * `columns: evolve` met fields the schema can gain (docs/schemas.md): not a failure but a request to the
 * producer, which writes the schema's next version and writes the record again with it.
 */
export class ColumnsToAdd extends StreamtapError {
  readonly code = ErrorCode.SCHEMA_COLUMNS_EVOLVE;
  constructor(readonly paths: readonly string[]) {
    super(`fields to add to the schema: ${paths.join(', ')}`);
  }
}

/** What a drifted record keeps: `_extra` (null when nothing is left) and the paths of the values dropped. */
export interface Settled {
  readonly extra: Extra | null;
  /** paths (as the record had them) whose values `discard_value` dropped */
  readonly discarded: readonly string[];
}

export interface ContractOptions {
  /** the schema file, named in refusals */
  readonly file: string;
  /**
   * whether `columns: evolve` may add the field at this normalized path (`attendees[].phone`) to the schema;
   * false once the producer tried and the schema could not gain it, so the value stays in `_extra`
   * @default () => false: unknown fields stay in `_extra`, as before schema contracts were applied
   */
  readonly evolvable?: (normalPath: string) => boolean;
}

/**
 * The contract as a function of a drifted record. Checked in dlt's order: `freeze` first (it raises before
 * anything is filtered), then `discard_row`, then `evolve` of columns, then `discard_value`; `columns`
 * before `data_type`. `data_type: evolve` keeps the value in `_extra` (the field is null): dlt's
 * counterpart is a variant column beside the typed one, which a schema of fixed Avro types has not.
 * Throws SchemaContractError (refuse the record) or ColumnsToAdd (evolve the schema first).
 */
export function compileContract(contract: SchemaContract, options: ContractOptions): (drift: Drift) => Settled {
  const evolvable = options.evolvable ?? (() => false);
  const where = options.file;
  return (drift) => {
    const { unknown, mismatched } = drift;
    for (const mode of ['freeze', 'discard_row'] as const) {
      if (unknown && contract.columns === mode)
        throw new SchemaContractError(
          `schema_contract columns is "${mode}" and the record has ${quoteAll(unknown)}, which ${where} does not know` +
            refusal(mode),
          'columns',
          mode,
          unknown[0],
        );
      if (mismatched && contract.data_type === mode)
        throw new SchemaContractError(
          `schema_contract data_type is "${mode}" and the value of ${quoteAll(mismatched)} does not fit its type in ${where}` +
            refusal(mode),
          'data_type',
          mode,
          mismatched[0],
        );
    }
    if (unknown && contract.columns === 'evolve') {
      const toAdd = unknown.filter((path) => evolvable(normalPath(path)));
      if (toAdd.length > 0) throw new ColumnsToAdd(toAdd);
    }
    const drop = new Set<string>([
      ...(contract.columns === 'discard_value' ? (unknown ?? []) : []),
      ...(contract.data_type === 'discard_value' ? (mismatched ?? []) : []),
    ]);
    if (drop.size === 0) return { extra: drift.values, discarded: [] };
    const extra: Extra = {};
    let kept = false;
    for (const path in drift.values) {
      if (drop.has(path)) continue;
      extra[path] = drift.values[path];
      kept = true;
    }
    return { extra: kept ? extra : null, discarded: [...drop] };
  };
}

function quoteAll(paths: readonly string[]): string {
  const shown = paths.slice(0, 5).map((p) => JSON.stringify(p));
  return (paths.length > 5 ? [...shown, `${paths.length - 5} more`] : shown).join(', ');
}

function refusal(mode: 'freeze' | 'discard_row'): string {
  return mode === 'freeze'
    ? '; the record is refused and the resource stops (dlt raises DataValidationError)'
    : '; the record is discarded (sent to the dead-letter topic, dlt drops it)';
}
