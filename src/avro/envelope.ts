// Fields streamtap adds to every record, defined once. Schema files carry them (so a subscriber needs
// nothing else); `assertEnvelope` keeps the files and this definition in step.

export const ENVELOPE_FIELDS = [
  {
    name: '_extra',
    type: ['null', 'string'],
    default: null,
    doc: 'JSON object of fields the schema does not know, or values that did not fit their type, by path',
  },
  {
    name: '_extracted_at',
    type: { type: 'long', logicalType: 'timestamp-millis' },
    doc: 'when the page holding the record arrived',
  },
  { name: '_run_id', type: 'string', doc: 'the producer run that extracted the record' },
  {
    name: '_version',
    type: 'long',
    doc: 'grows with every newer observation of a key (microseconds since epoch, strictly increasing per producer)',
  },
] as const;

export const ENVELOPE_NAMES: ReadonlySet<string> = new Set(ENVELOPE_FIELDS.map((f) => f.name));

export interface Envelope {
  _extra: string | null;
  _extracted_at: number;
  _run_id: string;
  _version: number;
}

export function assertEnvelope(schema: { name?: string; fields?: readonly { name: string }[] }, file: string): void {
  const names = new Set((schema.fields ?? []).map((f) => f.name));
  const missing = [...ENVELOPE_NAMES].filter((n) => !names.has(n));
  if (missing.length > 0) throw new Error(`${file}: schema lacks the envelope fields ${missing.join(', ')}`);
}
