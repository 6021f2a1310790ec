export * from '../common/clock';
