// Keeps a resource's table able to store every schema version its topic carries.
//
// Before a chunk is inserted, `prepare()` looks at the writer schema of each message (by fingerprint or
// registry id, without decoding bodies). The first time a schema version shows up, it is compared with
// the table's columns (system.columns): missing columns are added (ALTER TABLE … ADD COLUMN IF NOT
// EXISTS), columns whose type must widen are modified (Int64 → Float64, a scalar → String, new tuple
// elements), and the `<table>_latest` view is recreated (a view's `SELECT *` is expanded when it is
// created). Rows written with an older version leave the new columns out, so they read NULL there.
//
// A change no ClickHouse type can hold (a record where the table has Int64, a key column's type) stops
// this table: the chunk is abandoned before insert and its partitions paused, so its offsets stay
// uncommitted and nothing is lost; other tables go on. The error names the column and what to do.
import { isServerRefusal } from '../clickhouse/errors.js';
import { ErrorCode, StreamtapError } from '../errors.js';
import { relative } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { SchemaDecoder, WriterSchema } from '../avro/schema-store.js';
import type { Logger } from '../log.js';
import { quoteIdentifier, sqlString } from '../clickhouse/quote.js';
import { ddlSettings, latestViewSql, SINGLE_SERVER, targetTable, type ClickHouseTopology } from '../clickhouse/ddl.js';

import { parseType, renderType, widenColumn, type ChType } from '../clickhouse/column-types.js';
import { compileRowMapperFor, schemaColumns, type TableSpec } from './table-schema.js';
import { byteWriter, type ByteWriter } from './byte-lane.js';

// The query setting a statement over a Nullable(Tuple) column needs, written into the statements we suggest.
const NULLABLE_TUPLE = ' SETTINGS enable_nullable_tuple_type = 1';

export class SchemaEvolutionError extends StreamtapError {
  readonly code = ErrorCode.SCHEMA_INCOMPATIBLE;
}

type RowMapper = (record: Record<string, unknown>) => Record<string, unknown>;

export interface EvolutionPlan {
  readonly add: readonly (readonly [string, ChType])[];
  readonly modify: readonly (readonly [string, ChType])[];
  readonly errors: readonly string[];
  /**
   * columns (paths) left as the table has them although they cannot tell a null record or list from an
   * empty one, as the schema could (created before the null rule); see widenColumn
   */
  readonly collapsed: readonly string[];
}

/** What the table (columns `have`) needs so that it can store records written with `schema`. */
export function planEvolution(
  have: ReadonlyMap<string, ChType>,
  writer: Pick<WriterSchema, 'schema'>,
  primaryKey: readonly string[],
): EvolutionPlan {
  const add: [string, ChType][] = [];
  const modify: [string, ChType][] = [];
  const errors: string[] = [];
  const collapsed: string[] = [];
  let wanted: ReturnType<typeof schemaColumns>;
  try {
    wanted = schemaColumns(writer.schema, primaryKey);
  } catch (error) {
    return { add, modify, errors: [(error as Error).message], collapsed };
  }
  for (const column of wanted) {
    const current = have.get(column.name);
    if (!current) {
      add.push([column.name, column.ch]);
      continue;
    }
    const widened = widenColumn(current, column.ch, column.name);
    if ('error' in widened) {
      errors.push(widened.error);
      continue;
    }
    collapsed.push(...(widened.collapsed ?? []));
    if (widened.changed && primaryKey.includes(column.name)) {
      errors.push(
        `${column.name}: a primary key column cannot change type (${renderType(current)} → ${renderType(widened.type)})`,
      );
    } else if (widened.changed) modify.push([column.name, widened.type]);
  }
  return { add, modify, errors, collapsed };
}

/** The ALTER statements for a plan, on one server or a cluster (local tables first, then the Distributed one). */
export function evolutionStatements(
  spec: TableSpec,
  plan: Pick<EvolutionPlan, 'add' | 'modify'>,
  topology: ClickHouseTopology = SINGLE_SERVER,
): string[] {
  const clauses = [
    ...plan.add.map(([name, type]) => `ADD COLUMN IF NOT EXISTS ${quoteIdentifier(name)} ${renderType(type)}`),
    ...plan.modify.map(([name, type]) => `MODIFY COLUMN ${quoteIdentifier(name)} ${renderType(type)}`),
  ];
  if (clauses.length === 0) return [];
  const on = topology.cluster ? ` ON CLUSTER ${quoteIdentifier(topology.cluster)}` : '';
  const tables = topology.cluster && topology.distributed ? [`${spec.table}_local`, spec.table] : [spec.table];
  const alters = tables.map(
    (t) => `ALTER TABLE ${quoteIdentifier(spec.database)}.${quoteIdentifier(t)}${on} ${clauses.join(', ')}`,
  );
  return [...alters, latestViewSql(spec, on).replace(/^CREATE VIEW IF NOT EXISTS/, 'CREATE OR REPLACE VIEW')];
}

export class TableEvolution {
  private columns: Map<string, ChType> | undefined;
  /** writer fingerprints the table is known to fit, with their row mappers for the current columns */
  private readonly mappers = new Map<bigint, RowMapper>();
  private readonly fitted = new Set<bigint>();
  /** per writer fingerprint: its byte path for the current columns, or null when it keeps the decoding path */
  private readonly byteWriters = new Map<bigint, ByteWriter | null>();
  /** collapsed columns already reported */
  private readonly warned = new Set<string>();
  private last: { readonly writer: WriterSchema; readonly mapper: RowMapper } | undefined;
  /** the end of the last prepare() that reads or alters the table */
  private turn: Promise<void> = Promise.resolve();
  /** set once the table met a schema it cannot store: this table's consumer is stopped */
  error: SchemaEvolutionError | undefined;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly spec: TableSpec,
    /** the resource (table) name writer schemas must belong to; others are left to the decoder's checks */
    private readonly resource: string,
    private readonly logger: Logger,
    private readonly topology: ClickHouseTopology = SINGLE_SERVER,
  ) {}

  /**
   * Makes the table fit every schema the messages were written with. False when this table is stopped:
   * the caller must not insert or commit the chunk. `pause` stops fetching the partition.
   */
  async prepare(
    messages: readonly { readonly value: Buffer | null }[],
    decoder: SchemaDecoder,
    pause?: () => unknown,
  ): Promise<boolean> {
    if (!this.error) {
      const writers = this.newWriters(messages, decoder);
      if (writers.size === 0 && !writers.unknown) return true;
      // Partitions are consumed concurrently: one at a time reads and alters the table.
      const fitted = await this.exclusively(() => this.fitNew(messages, decoder));
      if (fitted) return true;
    }
    pause?.();
    return false;
  }

  /** A record decoded with `writer` → a row for the table as it is now. Call after `prepare()`. */
  toRow(writer: WriterSchema, value: Record<string, unknown>): Record<string, unknown> {
    // Consecutive records nearly always share their writer: skip the map lookup then.
    if (writer === this.last?.writer) return this.last.mapper(value);
    let mapper = this.mappers.get(writer.fingerprint);
    if (!mapper) {
      const columns = this.columns ?? new Map(this.spec.columns.map((c) => [c.name, c.ch]));
      this.mappers.set(writer.fingerprint, (mapper = compileRowMapperFor(writer.schema, columns)));
    }
    this.last = { writer, mapper };
    return mapper(value);
  }

  /**
   * The byte path of `writer` into the table as it is now (byte-lane.ts), or undefined when its records
   * must be decoded. Call after `prepare()` for messages of this writer.
   */
  bytesFor(writer: WriterSchema): ByteWriter | undefined {
    let lane = this.byteWriters.get(writer.fingerprint);
    if (lane === undefined) {
      const columns = this.columns ?? new Map(this.spec.columns.map((c) => [c.name, c.ch]));
      const made = byteWriter(writer, columns, this.spec.primaryKey);
      lane = 'reason' in made ? null : made;
      if ('reason' in made)
        this.logger.info(
          { table: this.name, schema: describeWriter(writer), reason: made.reason },
          'records of this schema are decoded before insert (the byte path cannot take them)',
        );
      this.byteWriters.set(writer.fingerprint, lane);
    }
    return lane ?? undefined;
  }

  private async fitNew(
    messages: readonly { readonly value: Buffer | null }[],
    decoder: SchemaDecoder,
  ): Promise<boolean> {
    if (this.error) return false;
    let writers = this.newWriters(messages, decoder);
    if (writers.unknown) {
      await decoder.resolve(messages.map((m) => m.value));
      writers = this.newWriters(messages, decoder);
    }
    if (writers.size === 0) return true;
    try {
      await this.fit([...writers.values()].sort((a, b) => a.version - b.version));
      return true;
    } catch (error) {
      if (!(error instanceof SchemaEvolutionError)) throw error;
      this.error = error;
      this.logger.error(
        { table: this.name, err: error },
        'table consumer stopped: a schema change the table cannot store; offsets stay uncommitted',
      );
      return false;
    }
  }

  private async exclusively<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.turn;
    let done: () => void = () => undefined;
    this.turn = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      return await work();
    } finally {
      done();
    }
  }

  /** Writer schemas of this resource in the messages that the table has not been checked against yet. */
  private newWriters(
    messages: readonly { readonly value: Buffer | null }[],
    decoder: SchemaDecoder,
  ): Map<bigint, WriterSchema> & { unknown?: boolean } {
    const writers: Map<bigint, WriterSchema> & { unknown?: boolean } = new Map();
    let previous: WriterSchema | undefined;
    for (const m of messages) {
      if (!m.value) continue;
      const writer = decoder.writerOf(m.value);
      if (!writer) writers.unknown = true;
      else if (writer !== previous && writer.resource === this.resource && !this.fitted.has(writer.fingerprint))
        writers.set(writer.fingerprint, writer);
      previous = writer;
    }
    return writers;
  }

  private get name(): string {
    return `${this.spec.database}.${this.spec.table}`;
  }

  private async fit(writers: readonly WriterSchema[]): Promise<void> {
    const columns = this.columns ?? (await this.readColumns());
    const working = new Map(columns);
    const add: [string, ChType][] = [];
    const modify = new Map<string, ChType>();
    const errors: string[] = [];
    const collapsed = new Set<string>();
    for (const writer of writers) {
      const plan = planEvolution(working, writer, this.spec.primaryKey);
      for (const e of plan.errors) errors.push(`${e} (in ${describeWriter(writer)})`);
      for (const c of plan.collapsed) collapsed.add(c);
      for (const [name, type] of plan.add) {
        add.push([name, type]);
        working.set(name, type);
      }
      for (const [name, type] of plan.modify) {
        if (add.some(([n]) => n === name))
          add.splice(
            add.findIndex(([n]) => n === name),
            1,
            [name, type],
          );
        else modify.set(name, type);
        working.set(name, type);
      }
    }
    if (errors.length > 0) {
      throw new SchemaEvolutionError(
        `${this.name} cannot store records of a newer schema: ${errors.join('; ')}. ` +
          `This table's consumer stopped with its offsets uncommitted, so nothing is lost. Change the column by hand ` +
          `(ALTER TABLE ${this.name} MODIFY COLUMN …, or RENAME the old column away) or correct the schema file, then restart the consumer.`,
      );
    }
    if (collapsed.size > 0) this.warnCollapsed([...collapsed], working);
    const statements = evolutionStatements(this.spec, { add, modify: [...modify] }, this.topology);
    if (statements.length > 0) {
      const clickhouse_settings = ddlSettings([...working.values()].map(renderType));
      for (const query of statements) {
        try {
          await this.client.command({ query, ...(clickhouse_settings ? { clickhouse_settings } : {}) });
        } catch (error) {
          if (!isServerRefusal(error)) throw error; // down or unreachable: retried like an insert would be
          throw new SchemaEvolutionError(
            `${this.name}: ClickHouse refused to change the table for ${writers.map(describeWriter).join(', ')}: ${(error as Error).message}`,
          );
        }
      }
      this.logger.info(
        {
          table: this.name,
          added: add.map(([n, t]) => `${n} ${renderType(t)}`),
          widened: [...modify].map(([n, t]) => `${n} → ${renderType(t)}`),
          schemas: writers.map(describeWriter),
        },
        'table evolved to fit a newer schema',
      );
      await this.readColumns();
      this.mappers.clear();
      this.byteWriters.clear();
      this.last = undefined;
    }
    for (const w of writers) this.fitted.add(w.fingerprint);
  }

  /**
   * Says once per column that the table, created before the null rule, still reads a null record as a
   * tuple of NULLs or a null list as [] there; the column is left as it is (its old rows cannot be told
   * apart), and the message gives the ALTER that keeps new rows apart, for the user to choose.
   */
  private warnCollapsed(paths: readonly string[], columns: ReadonlyMap<string, ChType>): void {
    const fresh = paths.filter((p) => !this.warned.has(p));
    if (fresh.length === 0) return;
    for (const p of fresh) this.warned.add(p);
    const alters = [...new Set(fresh.map((p) => p.split(/[.[]/)[0] as string))].flatMap((column) => {
      const type = columns.get(column);
      const wanted = this.spec.columns.find((c) => c.name === column);
      return type && wanted && wanted.type.includes('Nullable(Tuple(') && wanted.type !== renderType(type)
        ? [
            `ALTER TABLE ${targetTable(this.spec)} MODIFY COLUMN ${quoteIdentifier(column)} ${wanted.type}${NULLABLE_TUPLE}`,
          ]
        : [];
    });
    // The view's SELECT * was expanded with the old type: it must be recreated after such an ALTER.
    if (alters.length > 0)
      alters.push(
        latestViewSql(this.spec).replace(/^CREATE VIEW IF NOT EXISTS/, 'CREATE OR REPLACE VIEW') + NULLABLE_TUPLE,
      );
    this.logger.warn(
      { table: this.name, columns: fresh, alter: alters },
      'columns created before streamtap kept null apart from empty: a null record still reads as a tuple of NULLs, ' +
        'a null list as [], in these columns. They are left as they are (their older rows cannot be told apart); ' +
        'to keep new rows apart from now on, run the statements in `alter` (docs/schemas.md, "Tables created before")',
    );
  }

  private async readColumns(): Promise<Map<string, ChType>> {
    // On a sharded cluster this is the Distributed table, whose columns follow the local ones.
    const table = this.spec.table;
    const rs = await this.client.query({
      query: `SELECT name, type FROM system.columns WHERE database = ${sqlString(this.spec.database)} AND table = ${sqlString(table)}`,
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ name: string; type: string }>();
    const columns = new Map<string, ChType>();
    for (const row of rows) {
      try {
        columns.set(row.name, parseType(row.type));
      } catch {
        columns.set(row.name, { kind: 'other', sql: row.type });
      }
    }
    this.columns = columns;
    return columns;
  }
}

function describeWriter(writer: WriterSchema): string {
  const file = writer.file.startsWith('schema registry')
    ? writer.file
    : relative(process.cwd(), writer.file) || writer.file;
  return `${file} (version ${writer.version})`;
}
