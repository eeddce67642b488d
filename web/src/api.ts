// Typed access to the Site Atlas HTTP API. Paths are relative to the page, so
// the app works wherever the server (or a proxy in front of it) mounts it.

import type {
  ClientConfig,
  Feature,
  HistoryEntry,
  LayerName,
  SearchResponse,
} from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The server's stable error code (`{"error": code}`), for a message in the reader's language. */
    readonly code = '',
  ) {
    super(message);
  }
}

/** The TileJSON fields the map uses. */
export interface TileJson {
  tiles: string[];
  minzoom?: number;
  maxzoom?: number;
  bounds?: [number, number, number, number];
  center?: [number, number, number];
  attribution?: string;
}

export const TILEJSON_PATH = 'tiles/parks,plots,factories,offices,pois.json';

export async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, { ...init, headers: { Accept: 'application/json', ...init?.headers } });
  if (!response.ok) {
    // The API answers errors as {"error", "message"}; anything else keeps the status text.
    throw await apiError(response);
  }
  return (await response.json()) as T;
}

/** Like `request`, but a 404 (an endpoint not deployed yet) answers `null`. */
async function optional<T>(path: string): Promise<T | null> {
  try {
    return await request<T>(path);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return null;
    throw e;
  }
}

export function fetchTileJson(): Promise<TileJson> {
  return request<TileJson>(TILEJSON_PATH);
}

export function fetchConfig(): Promise<ClientConfig | null> {
  return optional<ClientConfig>('api/config');
}

export function fetchContext(): Promise<{ type: 'FeatureCollection'; features: Feature[] } | null> {
  return optional('context.geojson');
}

export function search(body: Record<string, unknown>, signal?: AbortSignal): Promise<SearchResponse> {
  // POST carries every field, the polygon included, in one shape.
  return request<SearchResponse>('api/search', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
    signal,
  });
}

export function fetchFeature(layer: LayerName, id: number): Promise<Feature> {
  return request<Feature>(`api/${layer}/${id}`, { cache: 'no-cache' });
}

/** A feature's change history, newest first; `null` where the server has no history endpoint. */
export function fetchHistory(layer: LayerName, id: number): Promise<HistoryEntry[] | null> {
  return request<HistoryEntry[]>(`api/${layer}/${id}/history`, { cache: 'no-cache' }).catch((e: unknown) => {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return null;
    throw e;
  });
}

/** Every park, with its geometry (for label points) as well as its code and name. */
export async function fetchParks(): Promise<Feature[]> {
  const result = await search({ layer: 'parks', limit: 1000 });
  return result.features;
}

/** A feature with the ETag an edit must send back in `If-Match`. */
export interface VersionedFeature {
  feature: Feature;
  etag: string;
}

export async function fetchVersionedFeature(layer: LayerName, id: number): Promise<VersionedFeature> {
  const response = await fetch(`api/${layer}/${id}`, { cache: 'no-cache', headers: { Accept: 'application/geo+json' } });
  if (!response.ok) throw await apiError(response);
  return { feature: (await response.json()) as Feature, etag: response.headers.get('ETag') ?? '' };
}

/** Someone else changed the feature first; `current` is how it now is. */
export class StaleError extends Error {
  constructor(readonly current: VersionedFeature) {
    super('changed by someone else first');
  }
}

/** The error a failed answer carries: its code and message, or the status text. */
async function apiError(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  let code = '';
  try {
    const body = (await response.json()) as { error?: string; message?: string };
    if (body.message) message = body.message;
    if (typeof body.error === 'string') code = body.error;
  } catch {
    /* not JSON */
  }
  return new ApiError(response.status, message, code);
}

async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { message?: string };
    if (body.message) return body.message;
  } catch {
    /* not JSON */
  }
  return `${response.status} ${response.statusText}`;
}

/**
 * Changes a plot or factory (the session cookie says who). Resolves with the
 * feature as it now is; rejects with `StaleError` when the ETag is stale and
 * `ApiError` for anything else.
 */
export async function patchFeature(layer: LayerName, id: number, etag: string, body: Record<string, unknown>): Promise<VersionedFeature> {
  const response = await fetch(`api/${layer}/${id}`, {
    method: 'PATCH',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', Accept: 'application/geo+json', 'If-Match': etag },
  });
  if (response.status === 412) {
    throw new StaleError({ feature: (await response.json()) as Feature, etag: response.headers.get('ETag') ?? '' });
  }
  if (!response.ok) throw await apiError(response);
  return { feature: (await response.json()) as Feature, etag: response.headers.get('ETag') ?? '' };
}

/** Who is signed in, as `GET /api/session` tells. */
export interface SessionInfo {
  signed_in: true;
  name: string;
  role: 'officer' | 'promoter' | 'admin' | 'partner';
  parks: string[];
  all_parks: boolean;
  /** For each plot status, the statuses this role may move a plot to. */
  plot_transitions: Record<string, string[]>;
  /** The id of the token signed in with (not the token). */
  token_id?: number;
}

/** The signed-in actor, or `null` when no one is. */
export async function fetchSession(): Promise<SessionInfo | null> {
  const response = await fetch('api/session', { cache: 'no-store', headers: { Accept: 'application/json' } });
  // A visitor is answered 200 {"signed_in": false}, so a page load logs no error.
  if (response.status === 404) return null;
  if (!response.ok) throw await apiError(response);
  const body = (await response.json()) as SessionInfo | { signed_in: false };
  return body.signed_in ? body : null;
}

/** Trades a token for a session cookie; with 429 the error says how long to wait. */
export async function signIn(token: string): Promise<SessionInfo> {
  const response = await fetch('api/session', {
    method: 'POST',
    body: JSON.stringify({ token }),
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  });
  if (!response.ok) throw await apiError(response);
  return (await response.json()) as SessionInfo;
}

export async function signOut(): Promise<void> {
  await fetch('api/session', { method: 'DELETE' });
}

// ---- Advice for investors (match, policy), leads and usage figures ----

/** One criterion of a match request: a field with bounds or values, or a proximity. */
export interface MatchCriterion {
  field?: string;
  near?: string;
  min?: number;
  max?: number;
  any_of?: string[];
  max_m?: number;
  hard?: boolean;
  weight?: number;
}

export interface MatchRequest {
  layers?: ('plots' | 'factories' | 'offices')[];
  criteria: MatchCriterion[];
  limit?: number;
  /** The investor's project: results are then checked against standard-land indicators. */
  plan?: PolicyPlan;
}

/** One standard-land indicator checked against a plan. */
export interface ComplianceCheck {
  indicator: 'investment_intensity' | 'tax_per_mu' | 'plot_ratio' | 'energy_per_mu';
  /** A bound, or `{min?, max?}` for the plot ratio. */
  required: number | { min?: number; max?: number };
  planned: number | null;
  pass: boolean | null;
  shortfall?: number;
  bound?: 'min' | 'max';
  reason?: string;
  unit: string;
  label_zh: string;
  label_en: string;
}

export interface CriterionOutcome {
  field: string;
  verdict: 'met' | 'partly' | 'not_met';
  wanted: unknown;
  actual: unknown;
  hard: boolean;
  weight: number | null;
}

export interface SiteMatch {
  layer: 'plots' | 'factories';
  id: number;
  code: string;
  name: string;
  park: string | null;
  score: number;
  criteria: CriterionOutcome[];
  /** With a plan in the request. */
  compliance?: ComplianceCheck[];
  compliant?: boolean | null;
}

export interface MatchResponse {
  results: SiteMatch[];
  total: number;
}

function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return request<T>(path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' }, signal });
}

export function matchSites(body: MatchRequest, signal?: AbortSignal): Promise<MatchResponse> {
  return postJson<MatchResponse>('api/match', body, signal);
}

export interface PolicyRule {
  id: string;
  name: string;
  kind: string;
  [key: string]: unknown;
}

export function fetchPolicy(park: string): Promise<{ park: string; rules: PolicyRule[] }> {
  return request(`api/parks/${encodeURIComponent(park)}/policy`, { cache: 'no-cache' });
}

export interface PolicyPlan {
  investment_wan: number;
  area_mu?: number;
  floor_area_m2?: number;
  expected_output_wan?: number;
  expected_tax_wan?: number;
  equipment_wan?: number;
  jobs?: number;
  lease_months?: number;
  /** Expected energy use, tonnes of standard coal equivalent a year. */
  energy_tce?: number;
}

export interface PolicyEstimate {
  park: string;
  land_mu: number | null;
  investment_intensity_wan_per_mu: number | null;
  tax_per_mu_wan: number | null;
  rules: { id: string; name: string; applies: boolean; amount_wan: number; explanation: string; source?: string }[];
  total_wan: number;
  compliance: ComplianceCheck[];
  compliant: boolean | null;
}

/** The estimate for a plan on a site, under the park's saved rules or, for a preview, under `rules`. */
export function estimatePolicy(site: { layer: string; id: number }, plan: PolicyPlan, rules?: PolicyRule[]): Promise<PolicyEstimate> {
  return postJson<PolicyEstimate>('api/policy/estimate', rules ? { site, plan, rules } : { site, plan });
}

/** Saves a park's incentive rules (admins); answers them as stored. */
export function savePolicy(park: string, rules: PolicyRule[]): Promise<{ park: string; rules: PolicyRule[] }> {
  return request(`api/parks/${encodeURIComponent(park)}/policy`, {
    method: 'PUT',
    body: JSON.stringify({ park, rules }),
    headers: { 'Content-Type': 'application/json' },
  });
}

// ---- The back office: imports and accounts ----

/** One invalid feature of an import. */
export interface ImportIssue {
  record: number;
  code: string | null;
  field?: string;
  reason: string;
}

/** What `POST /api/import` found and did. */
export interface ImportReport {
  layer: LayerName | 'parks' | 'pois';
  format: string;
  crs: string;
  source_layer: string | null;
  read: number;
  valid: number;
  issues: ImportIssue[];
  dry_run: boolean;
  inserted: number;
  updated: number;
}

/**
 * Sends a file to `POST /api/import`. A file with invalid features answers
 * 422 with the report: that is a result here, not an error.
 */
/** How to read a file the import cannot fully read on its own (all optional). */
export interface ImportOptions {
  crs?: string;
  source_layer?: string;
  defaults?: string;
  repair?: boolean;
}

export async function importFile(layer: string, file: Blob, dryRun: boolean, options: ImportOptions = {}): Promise<ImportReport> {
  const query = new URLSearchParams({ layer, dry_run: String(dryRun) });
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && value !== '' && value !== false) query.set(key, String(value));
  }
  const response = await fetch(`api/import?${query}`, {
    method: 'POST',
    body: file,
    headers: { 'Content-Type': 'application/octet-stream', Accept: 'application/json' },
  });
  if (response.status === 422) {
    const body = (await response.clone().json().catch(() => null)) as { report?: ImportReport } | null;
    if (body?.report) return body.report;
  }
  if (!response.ok) throw await apiError(response);
  return (await response.json()) as ImportReport;
}

/** An API token as listed (never the token itself). */
export interface TokenInfo {
  id: number;
  name: string;
  role: SessionInfo['role'];
  parks: string[];
  created_at: string;
  revoked: boolean;
}

export function listTokens(): Promise<TokenInfo[]> {
  return request<TokenInfo[]>('api/admin/tokens', { cache: 'no-store' });
}

/** Creates a token; the answer carries the token itself, this once. */
export function createToken(body: { role: string; name: string; parks: string[] }): Promise<TokenInfo & { token: string }> {
  return postJson('api/admin/tokens', body);
}

export async function revokeToken(id: number): Promise<void> {
  const response = await fetch(`api/admin/tokens/${id}`, { method: 'DELETE', headers: { Accept: 'application/json' } });
  if (!response.ok) throw await apiError(response);
}

export interface LeadForm {
  layer?: string;
  feature?: number;
  tour?: number;
  company: string;
  contact: string;
  needs?: string;
  website: string;
  /** The investor agrees to the privacy notice; the server refuses a lead without it. */
  consent: boolean;
  /** The referral code of the partner's link the investor came through. */
  referral?: string;
  /** `sheet` when the investor came from a site sheet's QR code. */
  source?: string;
  /** The shared tour page's link: the lead is credited to its tour and guide. */
  share_token?: string;
}

/** Too many enquiries (from this address, session or contact); `retryAfter` in seconds. */
export class TooManyError extends ApiError {
  constructor(
    readonly retryAfter: number,
    message: string,
  ) {
    super(429, message);
  }
}

export async function submitLead(form: LeadForm): Promise<void> {
  const response = await fetch('api/leads', {
    method: 'POST',
    body: JSON.stringify(form),
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  });
  if (response.status === 429) {
    const wait = Number(response.headers.get('Retry-After') ?? '');
    throw new TooManyError(Number.isFinite(wait) && wait > 0 ? wait : 600, await errorMessage(response));
  }
  if (!response.ok) throw await apiError(response);
}

export const LEAD_STAGES = ['new', 'contacted', 'visited', 'negotiating', 'signed', 'lost'] as const;
export type LeadStage = (typeof LEAD_STAGES)[number];

export interface Lead {
  id: number;
  site: { layer: 'plots' | 'factories'; id: number; code: string | null; name: string | null } | null;
  tour: number | null;
  company: string;
  contact: string;
  needs: string;
  status: LeadStage;
  assignee: string | null;
  /** The share link of a lead sent from a shared tour page (`source` then `tour`). */
  share_link?: number | null;
  /** The guide who made that link. */
  credited_to?: string | null;
  created_at: number;
  updated_at: number;
  /** Where it came from: map, tour, sheet, event, walk_in, or a partner's kind. */
  source?: string;
  /** The referral partner it is credited to. */
  partner?: number | null;
  history?: { at: number; actor: string; changes: Record<string, [unknown, unknown]> | null; note: string | null }[];
}

export function fetchLeads(status?: string): Promise<Lead[]> {
  return request<Lead[]>(`api/leads${status ? `?status=${encodeURIComponent(status)}` : ''}`, { cache: 'no-store' });
}

export function fetchLead(id: number): Promise<Lead> {
  return request<Lead>(`api/leads/${id}`, { cache: 'no-store' });
}

export function patchLead(id: number, body: { status?: string; assignee?: string; note?: string }): Promise<Lead> {
  return request<Lead>(`api/leads/${id}`, { method: 'PATCH', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
}

/** A project's stages in order, then `lost`. */
export const PROJECT_STAGES = ['talks', 'signed', 'registered', 'site_secured', 'started', 'producing', 'lost'] as const;
export type ProjectStage = (typeof PROJECT_STAGES)[number];

export interface ProjectSite {
  layer: LayerName;
  id: number;
  code: string;
  name: string | null;
  status: string;
}

export interface Project {
  id: number;
  lead: number | null;
  company: string;
  industry: string;
  investment_wan: number | null;
  output_wan: number | null;
  tax_wan: number | null;
  jobs: number | null;
  park: string | null;
  park_name: string | null;
  stage: ProjectStage;
  source: string;
  partner: number | null;
  partner_name: string | null;
  assignee: string | null;
  version: number;
  created_at: number;
  updated_at: number;
  stages: { stage: ProjectStage; reached_on: string; responsible: string | null }[];
  sites?: ProjectSite[];
  history?: { at: number; actor: string; changes: Record<string, unknown> | null; note: string | null }[];
}

export function fetchProjects(): Promise<Project[]> {
  return request<Project[]>('api/projects', { cache: 'no-store' });
}

/** A project with its history, and its ETag for a change. */
export async function fetchProject(id: number): Promise<{ project: Project; etag: string }> {
  const response = await fetch(`api/projects/${id}`, { cache: 'no-store', headers: { Accept: 'application/json' } });
  if (!response.ok) throw await apiError(response);
  return { project: (await response.json()) as Project, etag: response.headers.get('ETag') ?? '' };
}

export function createProject(body: Record<string, unknown>): Promise<Project> {
  return request<Project>('api/projects', { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
}

export function patchProject(id: number, etag: string, body: Record<string, unknown>): Promise<Project> {
  return request<Project>(`api/projects/${id}`, { method: 'PATCH', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', 'If-Match': etag } });
}

/** The project holding a site (staff only), or null. */
export async function fetchSiteProject(layer: LayerName, id: number): Promise<(Project & { site_status: string }) | null> {
  const answer = await request<{ project: (Project & { site_status: string }) | null }>(`api/${layer}/${id}/project`, { cache: 'no-store' });
  return answer.project;
}

export interface Partner {
  id: number;
  name: string;
  kind: 'ambassador' | 'alliance' | 'resident_firm';
  code: string;
  link: string;
  qr: string;
  leads?: number;
  projects?: number;
}

export function fetchPartners(): Promise<Partner[]> {
  return request<Partner[]>('api/partners', { cache: 'no-store' });
}

export function createPartner(name: string, kind: string): Promise<Partner> {
  return request<Partner>('api/partners', { method: 'POST', body: JSON.stringify({ name, kind }), headers: { 'Content-Type': 'application/json' } });
}

export function createPartnerToken(id: number): Promise<{ id: number; token: string }> {
  return request<{ id: number; token: string }>(`api/partners/${id}/tokens`, { method: 'POST' });
}

export const STAT_KINDS = ['map_visit', 'card_view', 'search', 'match', 'panorama_view', 'tour_open', 'live_join', 'lead'] as const;

export interface Stats {
  from: string;
  to: string;
  totals: Record<(typeof STAT_KINDS)[number], number>;
  weekly_views_by_park: { week: string; park: string; views: number }[];
  top_sites: { layer: string; id: number; code: string | null; name: string | null; park: string | null; views: number; leads: number; signed: number }[];
  funnel: { card_views: number; leads: number; signed: number };
}

export function fetchStats(from?: string, to?: string): Promise<Stats> {
  const q = new URLSearchParams();
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  const qs = q.toString();
  return request<Stats>(`api/stats${qs ? `?${qs}` : ''}`, { cache: 'no-store' });
}
