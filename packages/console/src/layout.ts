/**
 * @module
 * The page shell: navigation, who is looking (tenant, time zone), the stylesheet and the one
 * small script, all from this server.
 */
import { html } from 'hono/html';

/** The console's pages, in navigation order. */
export const PAGES = [
  { path: '/', title: 'Overview' },
  { path: '/explore', title: 'Explore' },
  { path: '/tasks', title: 'Tasks' },
  { path: '/cache', title: 'Cache' },
  { path: '/failures', title: 'Failures' },
  { path: '/anomalies', title: 'Anomalies & alerts' },
  { path: '/budgets', title: 'Budgets' },
  { path: '/reports', title: 'Weekly reports' },
] as const;

/** Who the page is for, shown in its header. */
export type Viewer = { tenant: string; timezone: string; signedIn: boolean };

/** A whole console page around `body`. */
export function page(options: { title: string; path: string; viewer?: Viewer; body: unknown }) {
  const { viewer } = options;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${options.title} · Tokenwatch</title>
<link rel="stylesheet" href="/assets/console.css"><script src="/assets/console.js" defer></script></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><span class="brand">Tokenwatch</span>${
    viewer
      ? html`<nav aria-label="Pages"><ul>${PAGES.map(
          (p) =>
            html`<li><a href="${p.path}"${p.path === options.path ? html` aria-current="page"` : ''}>${p.title}</a></li>`,
        )}</ul></nav>
<p class="viewer">tenant <strong data-testid="tenant">${viewer.tenant}</strong> · ${viewer.timezone}${
          viewer.signedIn
            ? html` <form method="post" action="/logout" class="inline"><button type="submit">Sign out</button></form>`
            : ''
        }</p>`
      : ''
  }</header>
<main id="main"><h1>${options.title}</h1>${options.body}</main></body></html>`;
}

/** A GET form whose fields are the page's URL state; the script submits it on change. */
export function filterForm(action: string, fields: unknown) {
  return html`<form method="get" action="${action}" class="filters" data-autosubmit>${fields}<button type="submit">Apply</button></form>`;
}

/** A labelled select of `choices`, with `value` selected. */
export function select(
  name: string,
  label: string,
  choices: readonly (readonly [string, string])[],
  value: string,
) {
  return html`<label>${label} <select name="${name}">${choices.map(
    ([v, text]) => html`<option value="${v}"${v === value ? html` selected` : ''}>${text}</option>`,
  )}</select></label>`;
}

/** A labelled text input. */
export function input(name: string, label: string, value: string | undefined, placeholder = '') {
  return html`<label>${label} <input name="${name}" value="${value ?? ''}" placeholder="${placeholder}" size="12"></label>`;
}

/** The time ranges the range selectors offer. */
export const RANGES = [
  ['24h', 'last 24 hours'],
  ['today', 'today'],
  ['7d', 'last 7 days'],
  ['30d', 'last 30 days'],
  ['90d', 'last 90 days'],
] as const;
