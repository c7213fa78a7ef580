// Public surface of the mock SavvyCal API.
export { startMockApi } from './server.js';
export type { FaultPlan, MockApi, MockApiOptions, MockApiStats } from './server.js';
export { MockDataset, isTouchedAt } from './records.js';
export type { DatasetOptions, EventDetail } from './records.js';
export { encodeCursor, decodeCursor } from './cursor.js';
export { DEFAULT_EVENT_FILTER, STAND_IN_NOW, eventMatches, parseEventFilter } from './event-filter.js';
export type { EventFilter, EventPeriodFilter, EventStateFilter } from './event-filter.js';
export type { CursorResource } from './cursor.js';
export { TIME_ZONES, TIME_ZONE_INSTANT } from './time-zones.js';
export type * from './types.js';
