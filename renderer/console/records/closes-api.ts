// The daily closes' call to the hub: a month's closes and its fee summary. Same origin and session
// cookie as the rest of the console (a read: no CSRF header needed).
import { CONSOLE_API, type ClosesMonthView } from '../../../protocol/console-api';
import { callHub } from '../api';

export const closesApi = {
  month: (month: string) => callHub<ClosesMonthView>('GET', `${CONSOLE_API.records.closes}?month=${encodeURIComponent(month)}`),
};
