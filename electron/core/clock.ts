export * from '../../common/clock';
