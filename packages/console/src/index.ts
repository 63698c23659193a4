export { type ConsoleDeps, createConsoleApp } from './app.ts';
export { SHIPPED_SCRIPTS } from './assets.ts';
export { SESSION_COOKIE } from './session.ts';
