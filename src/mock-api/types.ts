// Shapes of the SavvyCal API resources served by the mock, named after the public API docs
// (savvycal.com/docs/api/resources/*). Every value is JSON-safe: no undefined, no Date objects.

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

export interface SavvyCalEvent {
  id: string;
  state: EventState;
  summary: string;
  description: string;
  additional_info: string | null;
  location: string;
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
