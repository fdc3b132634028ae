export { default } from '@sluice/eslint-config';
