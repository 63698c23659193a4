/**
 * @module
 * The console's static files, read once from the package's `assets/` folder (beside `src/` in
 * the repository and `dist/` when installed, so the same path works both ways).
 */
import { readFileSync } from 'node:fs';

/** One static file as served. */
export type Asset = { body: string; contentType: string };

const TYPES: Record<string, string> = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
};

/** Every file of `assets/` the console serves, by name. */
export function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [name, contentType] of Object.entries(TYPES)) {
    const body = readFileSync(new URL(`../assets/${name}`, import.meta.url), 'utf8');
    assets.set(name, { body, contentType });
  }
  return assets;
}

/** The names of the JavaScript files shipped to browsers (the size budget counts these). */
export const SHIPPED_SCRIPTS = Object.keys(TYPES).filter((name) => name.endsWith('.js'));
