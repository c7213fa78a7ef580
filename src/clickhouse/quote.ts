// The one place SQL text is built from names and values that come from outside (config, Avro schemas,
// run ids, cluster settings). ClickHouse reads both quoted forms with the same escape rules
// (https://clickhouse.com/docs/en/sql-reference/syntax#string, #identifiers): a backslash starts an
// escape sequence in a backtick-quoted identifier as in a string literal, so the backslash must be
// escaped in both, not only the quote character.

/** Escapes ClickHouse reads inside a quoted name or literal; everything else stands for itself. */
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '`': '\\`',
  // NUL would end the query text where it crosses a C API (the embedded engine); the others keep a
  // statement on one line in logs and error messages.
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

function escape(text: string, quoteChar: "'" | '`'): string {
  const pattern = quoteChar === "'" ? /[\\'\0\n\r\t]/g : /[\\`\0\n\r\t]/g;
  return text.replace(pattern, (c) => ESCAPES[c] as string);
}

/**
 * A ClickHouse identifier (database, table, column, tuple element) in backticks, a backtick inside
 * escaped with a backslash. Any text is allowed; ClickHouse reads back exactly `identifier`.
 */
export function quoteIdentifier(identifier: string): string {
  return '`' + escape(identifier, '`') + '`';
}

/** A ClickHouse string literal in single quotes; ClickHouse reads back exactly `text` (any characters). */
export function sqlString(text: string): string {
  return "'" + escape(text, "'") + "'";
}
