// What one record carried beyond its schema, as the shaper and the record writer meet it: every value
// kept aside by path (what `_extra` holds unless the schema contract says otherwise), and which paths are
// fields the schema does not know and which are values that did not fit their declared type. dlt's
// schema contract tells these apart (its `columns` and `data_type` entities), so the walk records which
// is which; the map and arrays are made only for a record that drifted, so a record that fits costs one object.

/** Path → value, in the order the walk met them (`scheduler.nickname`, `attendees[2].phone`). */
export type Extra = Record<string, unknown>;

export class Drift {
  private kept: Extra | undefined;
  /** paths of fields the schema does not know: dlt's `columns` entity */
  unknown: string[] | undefined;
  /** paths of values that did not fit their declared type (the field is null): dlt's `data_type` entity */
  mismatched: string[] | undefined;

  /** every value kept aside, by the API's path (made on first use: most records have none) */
  get values(): Extra {
    return (this.kept ??= {});
  }

  /** A key the schema has no field for at this place. */
  unknownField(path: string, value: unknown): void {
    this.values[path] = value;
    (this.unknown ??= []).push(path);
  }

  /** A value its field's type cannot hold (the field is written null). */
  mismatch(path: string, value: unknown): void {
    this.values[path] = value;
    (this.mismatched ??= []).push(path);
  }

  /** true when the record fit its schema exactly */
  get empty(): boolean {
    return this.unknown === undefined && this.mismatched === undefined;
  }
}

/** `attendees[2].phone` → `attendees[].phone`: one name per field whatever the array index, for counts. */
export function normalPath(path: string): string {
  return path.replace(/\[\d+\]/g, '[]');
}
