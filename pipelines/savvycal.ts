// The seed's dlt rest_api_source config, key for key. `dlt.secrets["api_key"]` is written `secret('api_key')`.
// The seed writes the placeholder host api.example.com; SavvyCal's API lives at api.savvycal.com.
// Point it elsewhere (a local stand-in, a proxy) with STREAMTAP_BASE_URL or --base-url.
// As written (the seed's config, unchanged), this reads only UPCOMING, CONFIRMED events from the real API:
// SavvyCal's /v1/events defaults to state=confirmed and period=upcoming. To read every event (past,
// canceled, ...), add this one line to the events endpoint, beside `path`:
//     params: { state: 'all', period: 'all' },
// The local stand-in (`--mock-api`, `npm run demo`) applies the same defaults at its fixed clock: of its 5000
// events, this config as written reads the 2418 upcoming confirmed ones; with the line above, all 5000.
import { defineSource, secret } from '../src/config/define.js';

export default defineSource({
  client: {
    base_url: 'https://api.savvycal.com',
    auth: {
      type: 'bearer',
      token: secret('api_key'),
    },
  },
  resource_defaults: {
    primary_key: 'id',
    write_disposition: 'merge',
  },
  resources: [
    {
      name: 'events',
      endpoint: {
        path: '/v1/events',
        data_selector: 'entries',
        paginator: {
          type: 'cursor',
          cursor_param: 'after',
          cursor_path: 'metadata.after',
          stop_condition: 'metadata.after is none',
        },
      },
    },
    {
      name: 'scheduling_links',
      endpoint: {
        path: '/v1/links',
        data_selector: 'entries',
        paginator: {
          type: 'cursor',
          cursor_param: 'after',
          cursor_path: 'metadata.after',
          stop_condition: 'metadata.after is none',
        },
      },
    },
    {
      name: 'timezones',
      endpoint: {
        path: '/v1/time_zones',
        data_selector: [],
      },
    },
  ],
});
