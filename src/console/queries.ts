/**
 * Every D1 read the console makes itself, in one place: the operator's overviews and the fit map
 * read models the API does not serve as such. Each is the owning capability's own function; the
 * console never queries a table, and everything else it shows comes through the API (./api.ts).
 */
export { listPrincipals } from '../auth/store';
export { slotState } from '../compatibility/store';
export { readUnits } from '../compatibility/units';
export { placementSummary, rackOccupancy, type RackOccupancy } from '../inventory/occupancy';
export { lastRuns } from '../reconcile/status';
export { usageTotalsBetween } from '../usage/store';
