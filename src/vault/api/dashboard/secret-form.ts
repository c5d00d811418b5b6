import { SECRET_TYPES, SecretValueSchema } from '../../model/records.js';
import { CreateSecretBodySchema, type CreateSecretBody } from '../schemas.js';
import { field } from './form-body.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './page-layout.js';
import type { DashboardSession } from './sessions.js';

/** What the create form shows again after a failed submit. There is deliberately no value here. */
export interface SecretFormState {
  name: string;
  type: string;
  hostPattern: string;
  pathPattern: string;
  headerName: string;
  valueFormat: string;
  paramName: string;
  paramFormat: string;
}

export const EMPTY_SECRET_FORM: SecretFormState = {
  name: '',
  type: 'api_key',
  hostPattern: '',
  pathPattern: '',
  headerName: '',
  valueFormat: '',
  paramName: '',
  paramFormat: '',
};

export type SecretFormResult = ({ ok: true; body: CreateSecretBody } | { ok: false; errors: string[] }) & { state: SecretFormState };

function stateOf(form: URLSearchParams): SecretFormState {
  const keys = Object.keys(EMPTY_SECRET_FORM) as (keyof SecretFormState)[];
  return Object.fromEntries(keys.map((k) => [k, (form.get(k) ?? '').slice(0, 2048)])) as unknown as SecretFormState;
}

/** Zod issues as "field: message" lines; zod's messages never quote the input, so no value can leak through them. */
function issuesOf(error: { issues: { path: PropertyKey[]; message: string }[] }): string[] {
  return error.issues.map((i) => `${i.path.map(String).join('.') || 'form'}: ${i.message}`);
}

/** The create form → the API's create body (same validation as POST /v1/secrets). */
export function parseSecretForm(form: URLSearchParams): SecretFormResult {
  const headerName = field(form, 'headerName');
  const paramName = field(form, 'paramName');
  const valueFormat = field(form, 'valueFormat');
  const paramFormat = field(form, 'paramFormat');
  const injectionConfig = headerName
    ? { headerName, ...(valueFormat ? { valueFormat } : {}) }
    : paramName
      ? { paramName, ...(paramFormat ? { paramFormat } : {}) }
      : undefined;
  const parsed = CreateSecretBodySchema.safeParse({
    name: form.get('name') ?? '',
    type: form.get('type') ?? '',
    // An empty value is left out: a honeytoken needs none, and any other type is told it needs one.
    ...(form.get('value') ? { value: form.get('value') } : {}),
    hostPattern: form.get('hostPattern') ?? '',
    ...(field(form, 'pathPattern') ? { pathPattern: field(form, 'pathPattern') } : {}),
    ...(injectionConfig ? { injectionConfig } : {}),
  });
  if (parsed.success) return { ok: true, body: parsed.data, state: stateOf(form) };
  return { ok: false, errors: issuesOf(parsed.error), state: stateOf(form) };
}

/** A new value for rotation, or the reasons it is not acceptable. */
export function parseRotateForm(form: URLSearchParams): { ok: true; value: string } | { ok: false; errors: string[] } {
  const parsed = SecretValueSchema.safeParse(form.get('value') ?? '');
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: issuesOf(parsed.error).map((e) => e.replace(/^form/, 'value')) };
}

/** The write-only value field: never has a value attribute. Optional in the create form (a honeytoken takes none). */
export const valueInput = (id: string, required = true): SafeHtml =>
  html`<input id="${id}" name="value" type="password" autocomplete="off"${required ? html` required` : ''} spellcheck="false">`;

/** The create-secret form, refilled from `state` (never with a value). */
export function renderSecretForm(state: SecretFormState, session: DashboardSession, errors: string[] = []): SafeHtml {
  const text = (name: keyof SecretFormState, label: string, hint = '') =>
    html`<label>${label}${hint ? html` <span class="muted">${hint}</span>` : ''}<input name="${name}" value="${state[name]}"></label>`;
  const types = SECRET_TYPES.map((t) => html`<option value="${t}"${t === state.type ? html` selected` : ''}>${t}</option>`);
  return html`<form method="post" action="/dashboard/secrets" class="stack" id="create-secret" autocomplete="off">${csrfField(session)}
${errors.length ? html`<ul class="error-text">${errors.map((e) => html`<li>${e}</li>`)}</ul>` : ''}
${text('name', 'Name')}<label>Type<select name="type">${types}</select></label>
<label>Value <span class="muted">(write-only: it is never shown again; leave it empty for a honeytoken)</span>${valueInput('new-secret-value', false)}</label>
${text('hostPattern', 'Host pattern', 'api.example.com, *.example.com (subdomains) or .example.com (with the apex)')}${text('pathPattern', 'Path pattern', 'optional, e.g. /v1/*')}
<details><summary>Injection (type generic)</summary>${text('headerName', 'Header name', 'e.g. Authorization')}${text('valueFormat', 'Value format', 'e.g. Bearer {value}')}
${text('paramName', 'or query parameter')}${text('paramFormat', 'Parameter format', 'e.g. {value}')}</details>
<button type="submit">Create secret</button></form>`;
}
