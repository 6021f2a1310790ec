export type { Migration } from '../../../common/sqlite';
