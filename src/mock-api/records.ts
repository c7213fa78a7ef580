// Deterministic record builders for the mock SavvyCal API.
//
// Every record is a pure function of (seed, index, revision): it is generated on demand from a
// counter-based PRNG keyed by those numbers, so a million events cost no memory until they are
// asked for, and the same options always give byte-identical JSON. Math.random is never used.
//
// Revisions: revision 1 is the base data. Revision k >= 2 touches every 7th record (the subset
// shifts with k, see isTouchedAt) and applies a realistic change on top of the previous revision:
// events get confirmed, declined, canceled, rescheduled or have their notes edited; links are
// toggled, re-described or get new durations. Changes compound, so revision 3 includes the
// revision-2 changes. Ids, positions, names and slugs never change.

import { TIME_ZONES } from './time-zones.js';
import type {
  AttendeeField,
  EventAttendee,
  EventConferencing,
  EventState,
  LinkField,
  Payment,
  SavvyCalEvent,
  SchedulingLink,
  ScopePreview,
  TimeZone,
} from './types.js';

// ---------------------------------------------------------------------------------------------
// PRNG

/** A bijective 32-bit integer mixer (xor-shift / multiply rounds). */
export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d);
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b);
  x = (x ^ (x >>> 16)) >>> 0;
  return x;
}

/** Hash a short list of integers (seed, stream, index, ...) into one 32-bit PRNG key. */
export function hashInts(...parts: number[]): number {
  let h = 0x2545f491;
  for (const p of parts) {
    const lo = p >>> 0;
    const hi = Math.floor(p / 0x100000000) >>> 0;
    h = mix32((h ^ lo) + 0x9e3779b9);
    if (hi !== 0) h = mix32((h ^ hi) + 0x7f4a7c15);
  }
  return h;
}

/** Small counter-based PRNG: state advances by the golden-ratio increment and is mixed on output. */
export class Rng {
  private state: number;

  constructor(key: number) {
    this.state = key >>> 0;
  }

  /** Uniform unsigned 32-bit integer. */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    return mix32(this.state);
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.next() / 0x100000000;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new RangeError('pick() from an empty list');
    return item;
  }

  /** n characters from an alphabet. */
  chars(alphabet: string, n: number): string {
    let out = '';
    for (let k = 0; k < n; k++) out += alphabet.charAt(this.int(alphabet.length));
    return out;
  }

  digits(n: number): string {
    return this.chars(DIGITS, n);
  }
}

// PRNG streams: one per kind of record so the kinds never share random sequences.
const STREAM_WORLD = 1;
const STREAM_EVENT = 2;
const STREAM_EVENT_REV = 3;
const STREAM_LINK = 4;
const STREAM_LINK_REV = 5;
/** the event fields added after the first release (settings, group sessions, documented nulls): drawn
 * apart so that adding them changed no value the other streams produce */
const STREAM_EVENT_LATER = 6;

// id salts, one per kind of id
const SALT_EVENT = 1;
const SALT_LINK = 2;
const SALT_ATTENDEE = 3;
const SALT_POLL = 4;
const SALT_SCOPE = 5;

const DIGITS = '0123456789';
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A 26-character ULID-like id: 10 characters of millisecond timestamp, then 7 characters of a
 * bijective scramble of `unique` (so ids with the same salt and different `unique` values can never
 * collide), then 9 random characters. Sorted by time like real ULIDs.
 */
export function ulidLike(timeMs: number, unique: number, rng: Rng, salt = 0): string {
  let time = '';
  let t = Math.floor(timeMs);
  for (let k = 0; k < 10; k++) {
    time = CROCKFORD.charAt(t % 32) + time;
    t = Math.floor(t / 32);
  }
  let u = mix32((unique + 0x6a09e667 + mix32(salt)) >>> 0);
  let mid = '';
  for (let k = 0; k < 7; k++) {
    mid = CROCKFORD.charAt(u & 31) + mid;
    u = u >>> 5;
  }
  return time + mid + rng.chars(CROCKFORD, 9);
}

const PAD2: readonly string[] = Array.from({ length: 100 }, (_, n) => (n < 10 ? `0${n}` : `${n}`));

function pad2(n: number): string {
  return PAD2[n] ?? String(n).padStart(2, '0');
}

/**
 * ISO-8601 UTC timestamp with second precision, e.g. 2024-03-01T15:30:00Z. Arithmetic
 * (days-to-civil-date) instead of Date#toISOString, which is several times slower.
 */
export function isoSeconds(ms: number): string {
  const secs = Math.floor(ms / 1000);
  const days = Math.floor(secs / 86400);
  let rem = secs - days * 86400;
  const hh = Math.floor(rem / 3600);
  rem -= hh * 3600;
  const mi = Math.floor(rem / 60);
  const ss = rem - mi * 60;
  // proleptic Gregorian date from a day count (days since 1970-01-01), eras of 400 years
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${pad2(month)}-${pad2(day)}T${pad2(hh)}:${pad2(mi)}:${pad2(ss)}Z`;
}

// ---------------------------------------------------------------------------------------------
// Fixed time anchors (never the host clock)

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Scheduling links are created from here on, one every two days. */
const LINK_EPOCH = Date.UTC(2022, 5, 1, 9, 0, 0);
/** Event i is created in [EVENT_EPOCH + i*45s, EVENT_EPOCH + (i+1)*45s): strictly increasing. */
const EVENT_EPOCH = Date.UTC(2023, 0, 2, 8, 0, 0);
const EVENT_SPACING = 45_000;

// ---------------------------------------------------------------------------------------------
// Vocabulary (invented; emails use reserved .example domains)

const FIRST_NAMES = [
  'Ada',
  'Amara',
  'Ben',
  'Carlos',
  'Chloe',
  'Dana',
  'Diego',
  'Elif',
  'Emma',
  'Farah',
  'Felix',
  'Grace',
  'Hana',
  'Hugo',
  'Ines',
  'Ivan',
  'Jade',
  'Jonas',
  'Kai',
  'Kenji',
  'Lara',
  'Leo',
  'Lina',
  'Malik',
  'Maya',
  'Mei',
  'Nadia',
  'Noah',
  'Olga',
  'Omar',
  'Priya',
  'Quinn',
  'Rafael',
  'Rosa',
  'Sam',
  'Sara',
  'Theo',
  'Uma',
  'Victor',
  'Wen',
  'Yara',
  'Yusuf',
  'Zoe',
  'Aiko',
  'Bruno',
  'Camille',
  'Dmitri',
  'Esther',
];
const LAST_NAMES = [
  'Abbott',
  'Adeyemi',
  'Bauer',
  'Becker',
  'Costa',
  'Dubois',
  'Evans',
  'Fischer',
  'Garcia',
  'Haddad',
  'Hansen',
  'Ito',
  'Jensen',
  'Kaur',
  'Kim',
  'Kowalski',
  'Larsen',
  'Lopez',
  'Martin',
  'Meyer',
  'Moreau',
  'Nakamura',
  'Nguyen',
  'Novak',
  'Okafor',
  'Olsen',
  'Patel',
  'Perez',
  'Quinn',
  'Rossi',
  'Santos',
  'Schmidt',
  'Silva',
  'Singh',
  'Tanaka',
  'Torres',
  'Usman',
  'Varga',
  'Wagner',
  'Walsh',
  'Weber',
  'Xu',
  'Yilmaz',
  'Young',
  'Zhang',
  'Ziegler',
  'Brooks',
  'Chen',
];
const GUEST_DOMAINS = [
  'example.com',
  'example.org',
  'example.net',
  'mail.example',
  'acme.example',
  'globex.example',
  'initech.example',
  'umbrella.example',
  'stark.example',
  'wayne.example',
  'hooli.example',
  'vandelay.example',
];
const ORG_NAMES = ['Northwind', 'Bluebird', 'Copperleaf', 'Driftwood', 'Evergreen', 'Foxglove', 'Granite', 'Harbor'];
const TEAM_NAMES = ['Sales', 'Customer Success', 'Recruiting', 'Support', 'Partnerships', 'Product'];
const SCHEDULER_TIME_ZONES = TIME_ZONES.map((z) => z.id).filter((id) => id !== 'Etc/UTC');

interface LinkTemplate {
  name: (first: string) => string;
  slug: string;
  durations: readonly number[][];
  description: string;
}

const LINK_TEMPLATES: readonly LinkTemplate[] = [
  {
    name: (f) => `Chat with ${f}`,
    slug: 'chat',
    durations: [[15, 30, 45], [30]],
    description: "Let's find a time to meet!",
  },
  {
    name: () => 'Intro call',
    slug: 'intro',
    durations: [[30], [20, 30]],
    description: 'A quick call to get to know each other.',
  },
  {
    name: () => 'Product demo',
    slug: 'demo',
    durations: [[45], [30, 60]],
    description: 'A live walkthrough tailored to your team.',
  },
  {
    name: (f) => `Office hours with ${f}`,
    slug: 'office-hours',
    durations: [[15, 30]],
    description: 'Bring your questions, no agenda needed.',
  },
  {
    name: () => 'Onboarding session',
    slug: 'onboarding',
    durations: [[60], [45, 60]],
    description: 'We will set up your account together.',
  },
  {
    name: () => 'Customer interview',
    slug: 'interview',
    durations: [[30, 45]],
    description: 'Help us shape the roadmap. Thank you!',
  },
  { name: () => 'Quick sync', slug: 'sync', durations: [[15], [10, 15]], description: 'A short check-in.' },
  {
    name: () => 'Strategy session',
    slug: 'strategy',
    durations: [[60, 90]],
    description: 'Deep dive into goals and next steps.',
  },
  {
    name: () => 'Support call',
    slug: 'support',
    durations: [[30]],
    description: 'Screen-share with our support team.',
  },
  { name: (f) => `Coffee with ${f}`, slug: 'coffee', durations: [[25, 50]], description: 'Informal virtual coffee.' },
  {
    name: () => 'Technical interview',
    slug: 'tech-interview',
    durations: [[60]],
    description: 'Please have a laptop ready.',
  },
  {
    name: () => 'Renewal review',
    slug: 'renewal',
    durations: [[30, 45]],
    description: 'Review usage and plan options.',
  },
];

const LINK_FIELD_TEMPLATES: readonly { type: string; label: string; answers: readonly string[] }[] = [
  { type: 'short_text', label: 'Company', answers: ['Acme', 'Globex', 'Initech', 'Hooli', 'Vandelay', 'Stark'] },
  {
    type: 'long_text',
    label: 'What would you like to discuss?',
    answers: [
      'Pricing for our team',
      'Integration questions',
      'Migrating from our old tool',
      'Renewal terms',
      'A bug in the export',
    ],
  },
  { type: 'dropdown', label: 'Team size', answers: ['1-10', '11-50', '51-200', '200+'] },
  { type: 'phone', label: 'Best number to reach you', answers: ['+15555550142', '+442071838750', '+4930901820'] },
  { type: 'checkbox', label: 'I agree to the recording of this call', answers: ['true', 'false'] },
];

const NOTES = [
  'Looking forward to it.',
  'I will share the deck beforehand.',
  'Please send the agenda in advance.',
  'Can we also cover billing?',
  'Two colleagues may join.',
  'Running five minutes late is possible.',
  'We would like to see the reporting features.',
  'Following up on our email thread.',
];
const CANCEL_REASONS = [
  'Something came up, sorry!',
  'Conflict with another meeting.',
  'No longer needed.',
  'Out sick today.',
  'We decided to go another direction.',
];
const RESCHEDULE_REASONS = [
  'Travel plans changed.',
  'Need more time to prepare.',
  'Double-booked, apologies.',
  'Moving to a better slot.',
];
const SUMMARY_PREFIXES = ['Follow-up', 'Updated', 'Rescoped', 'Kickoff'];
const SUMMARY_PREFIX_RE = /^(?:Follow-up|Updated|Rescoped|Kickoff): /;
const ADDRESSES = [
  '221 Market St, San Francisco',
  '10 Downing Plaza, London',
  'Friedrichstr. 68, Berlin',
  '5 Rue Cler, Paris',
  'Office, 3rd floor',
];
const UTM_SOURCES = ['newsletter', 'website', 'linkedin', 'partner', 'webinar'];
const UTM_MEDIUMS = ['email', 'cpc', 'social', 'referral'];

function slugify(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

// ---------------------------------------------------------------------------------------------
// The world: team members and scopes, derived from the seed only

interface Person {
  first: string;
  last: string;
  email: string;
  phone: string | null;
  timeZone: string;
}

interface TeamMember extends Person {
  personalScope: ScopePreview;
  conferencing: EventConferencing['type'];
}

interface LinkBase {
  index: number;
  createdMs: number;
  link: SchedulingLink;
  organizer: number;
  /** price in cents when the link collects payments, else 0 */
  price: number;
  bufferBefore: number;
  bufferAfter: number;
  requiresApproval: boolean;
}

/**
 * Whether revision `revision` (>= 2) changes record `index` (events and links alike): every 7th
 * record, with the offset shifting from one revision to the next.
 */
export function isTouchedAt(index: number, revision: number): boolean {
  return revision >= 2 && (index + 3 * revision) % 7 === 0;
}

export interface DatasetOptions {
  seed: number;
  /** events reference scheduling links 0..linkPool-1 (fixed for the dataset's lifetime) */
  linkPool: number;
  /**
   * 'full' (default): events as SavvyCal documents them, ~2.4 KB of JSON each. 'compact': the same events
   * without their people (organizer, scheduler and attendees empty), ~1.0 KB each: the record size the
   * benchmark is specified at. Every other field, and every random draw, is the same in both.
   */
  eventDetail?: EventDetail;
}

export type EventDetail = 'full' | 'compact';

/**
 * Deterministic SavvyCal data set. `event(i, r)` and `link(i, r)` return fresh objects each call
 * (callers may mutate them); they are cheap enough to generate per request.
 */
export class MockDataset {
  readonly seed: number;
  readonly linkPool: number;
  readonly eventDetail: EventDetail;
  private readonly seedLo: number;
  private readonly seedHi: number;
  private readonly team: TeamMember[];
  private readonly teamScopes: ScopePreview[];
  private readonly orgDomain: string;
  private readonly linkBases = new Map<number, LinkBase>();

  constructor(options: DatasetOptions) {
    this.seed = options.seed;
    this.linkPool = Math.max(0, Math.floor(options.linkPool));
    this.eventDetail = options.eventDetail ?? 'full';
    this.seedLo = options.seed >>> 0;
    this.seedHi = Math.floor(options.seed / 0x100000000) >>> 0;
    const rng = this.rng(STREAM_WORLD, 0);
    const org = rng.pick(ORG_NAMES);
    this.orgDomain = `${org.toLowerCase()}.example`;
    const orgSlug = slugify(org);
    this.teamScopes = [];
    const teamNames = [...TEAM_NAMES];
    for (let t = 0; t < 3; t++) {
      const name = teamNames.splice(rng.int(teamNames.length), 1)[0] ?? 'Team';
      this.teamScopes.push({
        id: `scope_${ulidLike(LINK_EPOCH - (30 - t) * DAY, t, rng, SALT_SCOPE)}`,
        name: `${org} ${name}`,
        slug: `${orgSlug}-${slugify(name)}`,
      });
    }
    this.team = [];
    const usedFirst = new Set<string>();
    for (let m = 0; m < 10; m++) {
      let first = rng.pick(FIRST_NAMES);
      while (usedFirst.has(first)) first = rng.pick(FIRST_NAMES);
      usedFirst.add(first);
      const last = rng.pick(LAST_NAMES);
      const timeZone = rng.pick(SCHEDULER_TIME_ZONES);
      const conf = rng.float();
      this.team.push({
        first,
        last,
        email: `${first.toLowerCase()}@${this.orgDomain}`,
        phone: rng.chance(0.5) ? `+1555${rng.digits(7)}` : null,
        timeZone,
        personalScope: {
          id: `scope_${ulidLike(LINK_EPOCH - (20 - m) * DAY, 100 + m, rng, SALT_SCOPE)}`,
          name: `${first} ${last}`,
          slug: `${first.toLowerCase()}-${last.toLowerCase()}`,
        },
        conferencing:
          conf < 0.5
            ? 'zoom'
            : conf < 0.8
              ? 'google_meet'
              : conf < 0.9
                ? 'microsoft_teams'
                : conf < 0.95
                  ? 'phone'
                  : 'none',
      });
    }
  }

  private rng(stream: number, index: number, revision = 0): Rng {
    return new Rng(hashInts(this.seedLo, this.seedHi, stream, index, revision));
  }

  private member(i: number): TeamMember {
    const m = this.team[i % this.team.length];
    if (m === undefined) throw new Error('empty team');
    return m;
  }

  // -------------------------------------------------------------------------------------------
  // Scheduling links

  private linkBase(index: number): LinkBase {
    const cached = this.linkBases.get(index);
    if (cached !== undefined) return cached;
    const rng = this.rng(STREAM_LINK, index);
    const createdMs = LINK_EPOCH + index * 2 * DAY + rng.int(8 * HOUR);
    const organizer = index % this.team.length;
    const owner = this.member(organizer);
    const template = LINK_TEMPLATES[index % LINK_TEMPLATES.length] ?? LINK_TEMPLATES[0];
    if (template === undefined) throw new Error('no link templates');
    const round = Math.floor(index / LINK_TEMPLATES.length);
    const name = template.name(owner.first);
    const scope = rng.chance(0.6) ? owner.personalScope : rng.pick(this.teamScopes);
    const durations = [...rng.pick(template.durations)];
    const fields: LinkField[] = [];
    const nFields = rng.chance(0.35) ? (rng.chance(0.3) ? 2 : 1) : 0;
    const fieldPool = [...LINK_FIELD_TEMPLATES];
    for (let f = 0; f < nFields; f++) {
      const ft = fieldPool.splice(rng.int(fieldPool.length), 1)[0];
      if (ft === undefined) break;
      fields.push({ id: rng.chars(LOWER_ALNUM, 7), type: ft.type, label: ft.label, is_required: rng.chance(0.6) });
    }
    const link: SchedulingLink = {
      id: `link_${ulidLike(createdMs, index, rng, SALT_LINK)}`,
      state: rng.chance(0.9) ? 'active' : 'disabled',
      slug: round === 0 ? template.slug : `${template.slug}-${round + 1}`,
      name,
      private_name: rng.chance(0.5)
        ? `${name} (${rng.pick(['inbound', 'partners', 'VIP', 'Q3 campaign', 'internal'])})`
        : null,
      description: template.description,
      durations,
      default_duration: rng.chance(0.85) ? (durations[0] ?? null) : null,
      scope,
      fields,
    };
    const base: LinkBase = {
      index,
      createdMs,
      link,
      organizer,
      price: rng.chance(0.12) ? rng.pick([2500, 5000, 9900, 15000, 25000]) : 0,
      bufferBefore: rng.pick([0, 0, 5, 10, 15]),
      bufferAfter: rng.pick([0, 5, 10, 15]),
      requiresApproval: rng.chance(0.1),
    };
    if (index < 4096) this.linkBases.set(index, base);
    return base;
  }

  /** Scheduling link `index` at `revision`. */
  link(index: number, revision: number): SchedulingLink {
    const base = this.linkBase(index);
    const b = base.link;
    const link: SchedulingLink = {
      id: b.id,
      state: b.state,
      slug: b.slug,
      name: b.name,
      private_name: b.private_name,
      description: b.description,
      durations: [...b.durations],
      default_duration: b.default_duration,
      scope: { ...b.scope },
      fields: b.fields.map((f) => ({ ...f })),
    };
    for (let k = 2; k <= revision; k++) {
      if (!isTouchedAt(index, k)) continue;
      const rng = this.rng(STREAM_LINK_REV, index, k);
      const roll = rng.float();
      if (roll < 0.35) {
        link.state = link.state === 'active' ? 'disabled' : 'active';
      } else if (roll < 0.7) {
        link.description = `${rng.pick(['Now booking', 'Updated availability', 'New format', 'Limited slots'])} (revision ${k}). ${b.description}`;
      } else {
        const extra = rng.pick([20, 40, 75, 90, 120]);
        link.durations = [...new Set([...link.durations, extra])].sort((x, y) => x - y);
        link.default_duration = extra;
        link.private_name = `${b.name} (revised ${k})`;
      }
    }
    return link;
  }

  // -------------------------------------------------------------------------------------------
  // Events

  private attendee(
    idTime: number,
    unique: number,
    rng: Rng,
    person: Person,
    role: { organizer: boolean; scheduler: boolean },
    status: EventAttendee['response_status'],
    fields: AttendeeField[],
    optIn: boolean,
  ): EventAttendee {
    return {
      id: `attendee_${ulidLike(idTime, unique, rng, SALT_ATTENDEE)}`,
      email: person.email,
      display_name: `${person.first} ${person.last}`,
      first_name: person.first,
      last_name: person.last,
      phone_number: person.phone,
      time_zone: person.timeZone,
      response_status: status,
      is_organizer: role.organizer,
      is_scheduler: role.scheduler,
      marketing_opt_in: optIn,
      fields,
    };
  }

  private guest(rng: Rng): Person {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const domain = rng.pick(GUEST_DOMAINS);
    const style = rng.int(3);
    const local =
      style === 0 ? `${first}.${last}` : style === 1 ? `${first.charAt(0)}${last}` : `${first}${rng.int(100)}`;
    return {
      first,
      last,
      email: `${local.toLowerCase()}@${domain}`,
      phone: rng.chance(0.3) ? `+1555${rng.digits(7)}` : null,
      timeZone: rng.pick(SCHEDULER_TIME_ZONES),
    };
  }

  /** Event `index` at `revision`. */
  event(index: number, revision: number): SavvyCalEvent {
    const rng = this.rng(STREAM_EVENT, index);
    const createdMs = EVENT_EPOCH + index * EVENT_SPACING + rng.int(EVENT_SPACING);
    const id = `event_${ulidLike(createdMs, index, rng, SALT_EVENT)}`;

    // How it was booked: via a scheduling link (most), a meeting poll, or added by hand.
    const channel = rng.float();
    const viaPoll = channel < 0.02;
    const base = !viaPoll && channel >= 0.06 && this.linkPool > 0 ? this.linkBase(rng.int(this.linkPool)) : null;
    const organizerIndex = base !== null ? base.organizer : rng.int(this.team.length);
    const owner = this.member(organizerIndex);
    const link = base?.link ?? null;

    const duration = link !== null ? rng.pick(link.durations) : rng.pick([30, 45, 60]);
    const slot = 15 * MINUTE;
    const startMs = Math.ceil(createdMs / slot) * slot + (4 + rng.int(21 * 24 * 4)) * slot;
    const endMs = startMs + duration * MINUTE;

    // Attendees: organizer, the scheduler (if booked by someone), sometimes extra guests.
    const guestPerson = this.guest(rng);
    const hasScheduler = base !== null || viaPoll;
    const fields: AttendeeField[] =
      link === null
        ? []
        : link.fields.map((f) => {
            const t = LINK_FIELD_TEMPLATES.find((x) => x.type === f.type);
            return { id: f.id, type: f.type, label: f.label, value: t !== undefined ? rng.pick(t.answers) : '' };
          });
    const organizer = this.attendee(
      createdMs,
      index * 4,
      rng,
      owner,
      { organizer: true, scheduler: false },
      'accepted',
      [],
      false,
    );
    const scheduler = hasScheduler
      ? this.attendee(
          createdMs,
          index * 4 + 1,
          rng,
          guestPerson,
          { organizer: false, scheduler: true },
          'accepted',
          fields,
          rng.chance(0.3),
        )
      : null;
    const attendees: EventAttendee[] = scheduler !== null ? [organizer, scheduler] : [organizer];
    const extra = rng.float();
    const nGuests = extra < 0.8 ? (scheduler === null ? 1 : 0) : extra < 0.96 ? 1 : 2;
    for (let g = 0; g < nGuests; g++) {
      attendees.push(
        this.attendee(
          createdMs,
          index * 4 + 2 + g,
          rng,
          this.guest(rng),
          { organizer: false, scheduler: false },
          rng.pick(['accepted', 'needs_action', 'tentative'] as const),
          [],
          false,
        ),
      );
    }

    // State and its side facts.
    let state: EventState;
    const s = rng.float();
    if (base !== null && base.price > 0 && s < 0.1) state = s < 0.05 ? 'awaiting_checkout' : 'checkout_expired';
    else if (base !== null && base.requiresApproval && s < 0.25) state = 'awaiting_approval';
    else if (s < 0.82) state = 'confirmed';
    else if (s < 0.92) state = 'canceled';
    else if (s < 0.95) state = 'tentative';
    else if (s < 0.97) state = 'declined';
    else state = 'confirmed';

    let canceledAt: string | null = null;
    let cancelReason: string | null = null;
    if (state === 'canceled') {
      canceledAt = isoSeconds(createdMs + rng.int(startMs - createdMs));
      cancelReason = rng.chance(0.6) ? rng.pick(CANCEL_REASONS) : null;
      if (scheduler !== null) scheduler.response_status = 'declined';
    }
    if (state === 'declined') organizer.response_status = 'declined';

    let origStartMs = startMs;
    let rescheduledAt: string | null = null;
    let rescheduleReason: string | null = null;
    if (state === 'confirmed' && rng.chance(0.08)) {
      origStartMs = startMs - (1 + rng.int(5)) * DAY;
      if (origStartMs <= createdMs) origStartMs = startMs + (1 + rng.int(3)) * DAY;
      rescheduledAt = isoSeconds(createdMs + rng.int(Math.max(HOUR, Math.min(origStartMs, startMs) - createdMs)));
      rescheduleReason = rng.chance(0.6) ? rng.pick(RESCHEDULE_REASONS) : null;
    }

    // Conferencing and location follow the organizer's default.
    const confType = owner.conferencing;
    let conferencing: EventConferencing;
    let location: string;
    if (confType === 'zoom') {
      const mid = `8${rng.digits(10)}`;
      conferencing = { type: 'zoom', join_url: `https://zoom.us/j/${mid}`, meeting_id: mid, instructions: null };
      location = 'Zoom';
    } else if (confType === 'google_meet') {
      const code = `${rng.chars('abcdefghijklmnopqrstuvwxyz', 3)}-${rng.chars('abcdefghijklmnopqrstuvwxyz', 4)}-${rng.chars('abcdefghijklmnopqrstuvwxyz', 3)}`;
      conferencing = {
        type: 'google_meet',
        join_url: `https://meet.google.com/${code}`,
        meeting_id: code,
        instructions: null,
      };
      location = 'Google Meet';
    } else if (confType === 'microsoft_teams') {
      conferencing = {
        type: 'microsoft_teams',
        join_url: `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${rng.chars(ALNUM, 24)}%40thread.v2/0`,
        meeting_id: null,
        instructions: null,
      };
      location = 'Microsoft Teams';
    } else if (confType === 'phone') {
      conferencing = { type: 'phone', join_url: null, meeting_id: null, instructions: `${owner.first} will call you.` };
      location = 'Phone call';
    } else {
      conferencing = { type: 'none', join_url: null, meeting_id: null, instructions: null };
      location = rng.pick(ADDRESSES);
    }

    // Payment, only on links that collect one.
    let payment: Payment | null = null;
    if (base !== null && base.price > 0) {
      const price = base.price;
      const tax = rng.chance(0.5) ? Math.round(price * 0.08) : 0;
      const paid = state !== 'awaiting_checkout' && state !== 'checkout_expired';
      payment = {
        state: paid ? 'paid' : 'awaiting_checkout',
        url: paid
          ? `https://dashboard.stripe.com/payments/pi_${rng.chars(ALNUM, 24)}`
          : `https://checkout.stripe.com/c/pay/cs_live_${rng.chars(ALNUM, 24)}`,
        amount_total: price + tax,
        amount_subtotal: price,
        amount_tax: tax,
        amount_discount: 0,
        amount_shipping: 0,
      };
    }

    const meta = rng.float();
    const metadata: Record<string, string> =
      meta < 0.7
        ? {}
        : meta < 0.9
          ? { utm_source: rng.pick(UTM_SOURCES), utm_medium: rng.pick(UTM_MEDIUMS) }
          : { crm_contact_id: `003${rng.chars(ALNUM, 12)}` };

    const schedulerName = scheduler !== null ? scheduler.display_name : (attendees[1]?.display_name ?? 'Guest');
    const summary =
      link !== null ? `${link.name}: ${schedulerName}` : `${schedulerName} and ${owner.first} ${owner.last}`;
    const pollSlug = viaPoll ? `poll-${rng.chars(LOWER_ALNUM, 6)}` : '';

    const event: SavvyCalEvent = {
      id,
      state,
      summary,
      description: link !== null ? link.description : rng.pick(NOTES),
      additional_info: rng.chance(0.35) ? rng.pick(NOTES) : null,
      location,
      created_at: isoSeconds(createdMs),
      start_at: isoSeconds(startMs),
      end_at: isoSeconds(endMs),
      duration,
      buffer_before: base?.bufferBefore ?? 0,
      buffer_after: base?.bufferAfter ?? 0,
      canceled_at: canceledAt,
      cancel_reason: cancelReason,
      rescheduled_at: rescheduledAt,
      reschedule_reason: rescheduleReason,
      original_start_at: isoSeconds(origStartMs),
      original_end_at: isoSeconds(origStartMs + duration * MINUTE),
      conferencing,
      link: link !== null ? { id: link.id, slug: link.slug, name: link.name } : null,
      poll: viaPoll
        ? {
            id: `poll_${ulidLike(createdMs - DAY, index, rng, SALT_POLL)}`,
            name: `Meeting with ${owner.first}`,
            slug: pollSlug,
          }
        : null,
      scope: link !== null ? { ...link.scope } : viaPoll ? { ...owner.personalScope } : null,
      scheduler,
      organizer,
      attendees,
      payment,
      metadata,
      url: `https://savvycal.com/events/${id}`,
      description_settings: { include_attendees: true, include_fields: true, include_link_name: true },
      is_group_session: false,
      maximum_group_size: 1,
      location_settings: null,
    };
    this.laterFields(event, index);

    for (let k = 2; k <= revision; k++) {
      if (isTouchedAt(index, k)) this.reviseEvent(event, index, k, createdMs);
    }
    if (this.eventDetail === 'compact') {
      event.organizer = null;
      event.scheduler = null;
      event.attendees = [];
    }
    return event;
  }

  /**
   * The fields and nulls the newer reference (developers.savvycal.com/api/schemas/event) documents, from
   * their own PRNG stream: `description_settings`, group sessions, `location_settings` (null or an empty
   * list: the reference lists no properties for its objects), and a deterministic share of nulls where
   * the reference allows them — `description`, `location`, `payment.url` and the payment amounts.
   */
  private laterFields(event: SavvyCalEvent, index: number): void {
    const rng = this.rng(STREAM_EVENT_LATER, index);
    event.description_settings = {
      include_attendees: rng.chance(0.8),
      include_fields: rng.chance(0.6),
      include_link_name: rng.chance(0.7),
    };
    if (rng.chance(0.06)) {
      event.is_group_session = true;
      event.maximum_group_size = rng.pick([5, 8, 10, 20, 50]);
    }
    event.location_settings = rng.chance(0.7) ? null : [];
    if (rng.chance(0.08)) event.description = null;
    if (rng.chance(0.08)) event.location = null;
    const payment = event.payment;
    if (payment !== null) {
      if (rng.chance(0.25)) payment.url = null;
      if (rng.chance(0.2)) {
        payment.amount_total = null;
        payment.amount_subtotal = null;
        payment.amount_tax = null;
        payment.amount_discount = null;
        payment.amount_shipping = null;
      }
    }
  }

  /** Apply the revision-k change to an event (mutates it). Every branch changes the JSON. */
  private reviseEvent(event: SavvyCalEvent, index: number, k: number, createdMs: number): void {
    const rng = this.rng(STREAM_EVENT_REV, index, k);
    const atMs = createdMs + (k - 1) * DAY + rng.int(DAY);
    const at = isoSeconds(atMs);
    const scheduler = event.scheduler;
    const noteEdit = (): void => {
      event.additional_info = `${rng.pick(NOTES)} (edited ${at.slice(0, 10)})`;
    };
    switch (event.state) {
      case 'awaiting_approval':
      case 'tentative':
        if (rng.chance(0.8)) {
          event.state = 'confirmed';
        } else {
          event.state = 'declined';
          if (event.organizer !== null) event.organizer.response_status = 'declined';
        }
        break;
      case 'awaiting_checkout':
        if (rng.chance(0.7) && event.payment !== null) {
          event.state = 'confirmed';
          event.payment.state = 'paid';
          event.payment.url = `https://dashboard.stripe.com/payments/pi_${rng.chars(ALNUM, 24)}`;
        } else {
          event.state = 'checkout_expired';
        }
        break;
      case 'confirmed': {
        const roll = rng.float();
        if (roll < 0.35) {
          event.state = 'canceled';
          event.canceled_at = at;
          event.cancel_reason = rng.chance(0.7) ? rng.pick(CANCEL_REASONS) : null;
          if (scheduler !== null) scheduler.response_status = 'declined';
        } else if (roll < 0.7) {
          const shift = (1 + rng.int(7)) * DAY + rng.pick([0, 30, 60, 90]) * MINUTE;
          const start = Date.parse(event.start_at) + shift;
          event.start_at = isoSeconds(start);
          event.end_at = isoSeconds(start + event.duration * MINUTE);
          event.rescheduled_at = at;
          event.reschedule_reason = rng.chance(0.7) ? rng.pick(RESCHEDULE_REASONS) : null;
        } else {
          event.summary = `${rng.pick(SUMMARY_PREFIXES)}: ${event.summary.replace(SUMMARY_PREFIX_RE, '')}`;
          noteEdit();
        }
        break;
      }
      default:
        noteEdit();
        break;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Time zones

  timeZones(): TimeZone[] {
    return JSON.parse(JSON.stringify(TIME_ZONES)) as TimeZone[];
  }
}
