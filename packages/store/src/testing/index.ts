export { openTestStore, type TestStore } from './test-store.ts';
