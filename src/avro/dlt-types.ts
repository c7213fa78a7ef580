// dlt's data types (dlt/common/schema/typing.py `TDataType`) as the Avro types a `columns` hint gives a
// field, and so (src/consumers/table-schema.ts) the ClickHouse column, following dlt's own ClickHouse
// destination (dlt/destinations/impl/clickhouse/factory.py `ClickHouseTypeMapper`) where the types allow:
//
//   dlt        Avro                                              ClickHouse
//   text       string                                            String
//   bigint     long                                              Int64
//   double     double                                            Float64
//   bool       boolean                                           Bool
//   timestamp  long, timestamp-millis                            DateTime64(3, 'UTC')
//   date       int, date                                         Date32 (dlt: Date; Date32 holds 1900–2299)
//   time       long, time-micros                                 String `HH:MM:SS.ffffff` (dlt: String)
//   decimal    bytes, decimal(precision, scale), default 38, 9   Decimal(precision, scale)
//   wei        bytes, decimal(76, 0)                             Decimal(76, 0) (dlt's ClickHouse wei_precision)
//   binary     bytes (the API's base64 text, decoded)            String holding the base64 text
//   json       string, logicalType "json" (the value's JSON text) String
//
// Values that do not fit (src/avro/logical-values.ts) are drift of the `data_type` entity: the contract
// decides (src/avro/schema-contract.ts), nothing is rounded.

/** dlt's `columns` hint, as far as it types a field. */
export interface ColumnTypeHint {
  readonly data_type?: string | undefined;
  readonly precision?: number | undefined;
  readonly scale?: number | undefined;
}

/** dlt's default numeric precision and scale (dlt/common/arithmetics.py). */
export const DEFAULT_DECIMAL = { precision: 38, scale: 9 } as const;
/** ClickHouse's largest Decimal precision, and dlt's wei precision on ClickHouse. */
export const MAX_DECIMAL_PRECISION = 76;

/**
 * The Avro type of a hinted field (without its `["null", …]` union), or a note saying why the hint cannot
 * be applied (then the type is inferred). Types inference also produces (`text`, `bigint`, `double`, `bool`,
 * `timestamp`) are not handled here: they take part in inference's widening (src/avro/infer.ts).
 */
export function hintedAvroType(name: string, hint: ColumnTypeHint): { type: unknown } | { note: string } {
  switch (hint.data_type) {
    case 'date':
      return { type: { type: 'int', logicalType: 'date' } };
    case 'time':
      return { type: { type: 'long', logicalType: 'time-micros' } };
    case 'binary':
      return { type: 'bytes' };
    case 'json':
      return { type: { type: 'string', logicalType: 'json' } };
    case 'wei':
      return { type: decimal(MAX_DECIMAL_PRECISION, 0) };
    case 'decimal': {
      const precision = hint.precision ?? DEFAULT_DECIMAL.precision;
      const scale = hint.scale ?? DEFAULT_DECIMAL.scale;
      if (precision > MAX_DECIMAL_PRECISION || scale > precision)
        return {
          note: `columns.${name}: decimal(${precision}, ${scale}) is beyond what ClickHouse's Decimal holds (precision 1–${MAX_DECIMAL_PRECISION}, scale ≤ precision); the type is inferred from the data`,
        };
      return { type: decimal(precision, scale) };
    }
    default:
      return {
        note: `columns.${name}: data_type "${String(hint.data_type)}" is not a dlt data type; the type is inferred`,
      };
  }
}

function decimal(precision: number, scale: number): unknown {
  return { type: 'bytes', logicalType: 'decimal', precision, scale };
}
