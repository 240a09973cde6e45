/**
 * The coordinator's SQLite schema, in versions applied by `migrateSchema` (src/lib/do-sql.ts).
 * Version 1 is the shape objects had before versions were kept: its statements are
 * `CREATE … IF NOT EXISTS`, so an object created then upgrades to 1 without a change. The modules'
 * DDL below is version 1 and stays as it is: a later change (a column, an index) is a new step at
 * the end of the list, and a step once deployed never changes. Tables: STORAGE.md.
 */
import { TASKS_SCHEMA } from '../agent/tasks';
import { ANALYSIS_SCHEMA } from '../sbc/analysis';
import { SCHEDULE_SCHEMA } from '../sbc/schedule';
import { TRAFFIC_SCHEMA } from '../sbc/traffic-state';
import { OUTBOX_SCHEMA } from '../webhooks/outbox';
import { LEDGER_SCHEMA } from './ledger';
import { META_SCHEMA } from './meta';
import { TIMELINE_SCHEMA } from './timeline';

export const COORDINATOR_SCHEMA: readonly (readonly string[])[] = [
  [...META_SCHEMA, ...LEDGER_SCHEMA, ...TASKS_SCHEMA, ...OUTBOX_SCHEMA, ...TRAFFIC_SCHEMA, ...SCHEDULE_SCHEMA, ...TIMELINE_SCHEMA, ...ANALYSIS_SCHEMA],
];
