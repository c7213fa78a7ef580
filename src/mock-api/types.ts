// Shapes of the SavvyCal API resources served by the mock, named after the public API docs
// (savvycal.com/docs/api/resources/* and the newer reference at developers.savvycal.com/api/schemas/*).
// Every value is JSON-safe: no undefined, no Date objects. `| null` marks what either reference documents
// as nullable; the stand-in sends null there for a deterministic share of records.

/** Scope Preview: a minimal representation of a personal or team scope. */
export interface ScopePreview {
  id: string;
  name: string;
  slug: string;
}

/** Scheduling Link Preview, as embedded in an event. */
export interface SchedulingLinkPreview {
  id: string;
  slug: string;
  name: string;
}

/** Meeting Poll Preview, as embedded in an event booked through a poll. */
export interface MeetingPollPreview {
  id: string;
  name: string;
  slug: string;
}

/** A custom field answer on an Event Attendee. */
export interface AttendeeField {
  id: string;
  type: string;
  label: string;
  value: string;
}

export interface EventAttendee {
  id: string;
  email: string;
  display_name: string;
  first_name: string;
  last_name: string;
  phone_number: string | null;
  time_zone: string;
  response_status: 'accepted' | 'needs_action' | 'declined' | 'tentative';
  is_organizer: boolean;
  is_scheduler: boolean;
  marketing_opt_in: boolean;
  fields: AttendeeField[];
}

export interface EventConferencing {
  type: 'zoom' | 'google_meet' | 'microsoft_teams' | 'phone' | 'none';
  join_url: string | null;
  meeting_id: string | null;
  instructions: string | null;
}

/** Payment; savvycal.com/docs/api/resources/payment documents `url` and every amount as nullable. */
export interface Payment {
  state: 'awaiting_checkout' | 'paid';
  url: string | null;
  amount_total: number | null;
  amount_subtotal: number | null;
  amount_tax: number | null;
  amount_discount: number | null;
  amount_shipping: number | null;
}

export type EventState =
  'awaiting_approval' | 'awaiting_checkout' | 'confirmed' | 'tentative' | 'canceled' | 'declined' | 'checkout_expired';

/** `description_settings` (developers.savvycal.com/api/schemas/event): three required booleans. */
export interface DescriptionSettings {
  include_attendees: boolean;
  include_fields: boolean;
  include_link_name: boolean;
}

export interface SavvyCalEvent {
  id: string;
  state: EventState;
  summary: string;
  description: string | null;
  additional_info: string | null;
  location: string | null;
  created_at: string;
  start_at: string;
  end_at: string;
  duration: number;
  buffer_before: number;
  buffer_after: number;
  canceled_at: string | null;
  cancel_reason: string | null;
  rescheduled_at: string | null;
  reschedule_reason: string | null;
  original_start_at: string;
  original_end_at: string;
  conferencing: EventConferencing;
  link: SchedulingLinkPreview | null;
  poll: MeetingPollPreview | null;
  scope: ScopePreview | null;
  scheduler: EventAttendee | null;
  organizer: EventAttendee | null; // null only in the stand-in's compact events
  attendees: EventAttendee[];
  payment: Payment | null;
  metadata: Record<string, string>;
  url: string;
  description_settings: DescriptionSettings;
  is_group_session: boolean;
  maximum_group_size: number;
  /**
   * Documented as a nullable list of objects whose properties the reference does not list; the stand-in
   * serves `null` or `[]` only, rather than invent property names.
   */
  location_settings: Record<string, unknown>[] | null;
}

export interface LinkField {
  id: string;
  type: string;
  label: string;
  is_required: boolean;
}

export interface SchedulingLink {
  id: string;
  state: 'active' | 'disabled';
  slug: string;
  name: string;
  private_name: string | null;
  description: string;
  durations: number[];
  default_duration: number | null;
  scope: ScopePreview;
  fields: LinkField[];
}

export interface Metazone {
  exemplar_city: string | null;
  long: { current: string | null; daylight: string | null; generic: string | null; standard: string | null };
  name: string;
  short: { current: string | null; daylight: string | null; generic: string | null; standard: string | null };
  territories: string[];
}

export interface TimeZone {
  abbreviation: string;
  aliases: string[];
  canonical: boolean;
  dst: boolean;
  formatted_offset: string;
  generic_long_name: string | null;
  golden: boolean;
  id: string;
  legacy: boolean;
  long_name: string;
  metazone: Metazone | null;
  offset: number;
  offset_std: number;
  offset_utc: number;
  period: { from: string | null; until: string | null };
  windows_zone: { name: string };
}

export type ResourceName = 'events' | 'links' | 'time_zones';
