// 项目看板: the promoters' pipeline board. Every project in a column of its
// stage (洽谈 → 签约 → 注册 → 摘地/租赁 → 开工 → 投产), lost ones folded away;
// a project opens into its figures, the date and person of each stage it
// reached, the sites it holds and its history, with a form that moves it on
// (a note is required, as for a plot). A project lost while it holds sites
// asks first, and names them.

import { ApiError, createProject, fetchProject, fetchProjects, patchProject, PROJECT_STAGES, type Project, type ProjectStage } from './api';
import { h, replaceChildren } from './dom';
import { formatNumber, label, serverMessage, t, type StringKey } from './i18n';
import { overlay, sourceLabel, when } from './leads';
import type { Store } from './state';
import type { ParkSummary } from './types';

/** The stages a project moves through, without `lost`. */
const PIPELINE = PROJECT_STAGES.filter((s) => s !== 'lost');

/** Sources a promoter may record for a project made without a lead. */
const DIRECT_SOURCES = ['walk_in', 'event', 'map', 'tour', 'sheet'] as const;

export function projectStageLabel(stage: string): string {
  return (PROJECT_STAGES as readonly string[]).includes(stage) ? t(`pstage_${stage}` as StringKey) : stage;
}

/** Today in China (UTC+8), as a date input wants it. */
function today(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

function wan(v: number | null | undefined): string {
  return v == null ? '—' : t('wan_value', { v: formatNumber(v) });
}

export class ProjectBoard {
  private readonly dialog = overlay('projects_title', 'projects');
  private readonly newButton = h('button', { class: 'card-action', type: 'button', 'data-testid': 'project-new' });
  private readonly refreshButton = h('button', { class: 'card-action', type: 'button', 'data-testid': 'projects-refresh' });
  private readonly content = h('div', { class: 'projects', 'data-testid': 'projects-content' });
  private parks: ParkSummary[] = [];
  private loaded = 0;

  constructor(private readonly store: Store) {
    this.dialog.head.append(this.newButton, this.refreshButton);
    this.dialog.body.append(this.content);
    this.newButton.addEventListener('click', () => this.showNewForm());
    this.refreshButton.addEventListener('click', () => void this.showBoard());
  }

  setParks(parks: ParkSummary[]): void {
    this.parks = parks;
  }

  /** Opens the board, or one project. */
  open(project?: number): void {
    this.newButton.textContent = t('project_new');
    this.refreshButton.textContent = t('inbox_refresh');
    this.dialog.open();
    if (project) void this.showProject(project);
    else void this.showBoard();
  }

  private done(): void {
    this.loaded += 1;
    this.content.dataset.loaded = String(this.loaded);
  }

  private async showBoard(): Promise<void> {
    let projects: Project[];
    try {
      projects = await fetchProjects();
    } catch (e) {
      replaceChildren(this.content, h('p', { class: 'card-message error' }, t('projects_failed', { msg: serverMessage(e) })));
      this.done();
      return;
    }
    const column = (stage: ProjectStage) => {
      const mine = projects.filter((p) => p.stage === stage);
      const total = mine.reduce((sum, p) => sum + (p.investment_wan ?? 0), 0);
      return h(
        'section',
        { class: `board-column stage-${stage}`, 'data-testid': `board-${stage}`, 'aria-label': projectStageLabel(stage) },
        h('h3', {}, projectStageLabel(stage), h('span', { class: 'board-count' }, String(mine.length))),
        total > 0 ? h('p', { class: 'board-total muted' }, t('projects_total', { v: formatNumber(total / 10_000) })) : null,
        h('ol', { class: 'board-cards' }, ...mine.map((p) => this.card(p))),
      );
    };
    const lost = projects.filter((p) => p.stage === 'lost');
    replaceChildren(
      this.content,
      projects.length ? null : h('p', { class: 'muted', 'data-testid': 'projects-empty' }, t('projects_empty')),
      h('div', { class: 'board', 'data-testid': 'board' }, ...PIPELINE.map(column)),
      lost.length
        ? h('details', { class: 'board-lost', 'data-testid': 'board-lost' }, h('summary', {}, t('projects_lost', { n: lost.length })), h('ol', { class: 'board-cards' }, ...lost.map((p) => this.card(p))))
        : null,
    );
    this.done();
  }

  private card(p: Project): HTMLElement {
    const reached = p.stages.find((s) => s.stage === p.stage);
    return h(
      'li',
      {},
      h(
        'button',
        { class: 'board-card', type: 'button', 'data-testid': 'project-card', 'data-id': p.id, onclick: () => void this.showProject(p.id) },
        h('strong', { class: 'board-company' }, p.company),
        h('span', { class: 'board-line' }, [p.industry, p.park_name].filter(Boolean).join(' · ') || '—'),
        h('span', { class: 'board-line' }, `${t('f_investment')}：${wan(p.investment_wan)}`),
        h('span', { class: 'board-line muted' }, [p.assignee, reached ? t('projects_since', { d: reached.reached_on }) : null].filter(Boolean).join(' · ')),
        h('span', { class: `board-source source-${p.source}` }, p.partner_name ? `${sourceLabel(p.source)} · ${p.partner_name}` : sourceLabel(p.source)),
        p.sites?.length ? h('span', { class: 'board-line' }, t('projects_sites', { n: p.sites.length })) : null,
      ),
    );
  }

  /** One project: its figures, stages, sites, history and the form that moves it on. */
  private async showProject(id: number, notice?: { kind: 'ok' | 'error'; text: string }): Promise<void> {
    let project: Project;
    let etag: string;
    try {
      ({ project, etag } = await fetchProject(id));
    } catch (e) {
      replaceChildren(this.content, h('p', { class: 'card-message error' }, serverMessage(e)));
      this.done();
      return;
    }
    const back = h('button', { class: 'link-button', type: 'button', 'data-testid': 'project-back', onclick: () => void this.showBoard() }, `← ${t('projects_board')}`);
    const figures: [string, string][] = [
      [t('f_industry'), project.industry || '—'],
      [t('f_park'), project.park_name ?? '—'],
      [t('f_investment'), wan(project.investment_wan)],
      [t('project_output'), wan(project.output_wan)],
      [t('project_tax'), wan(project.tax_wan)],
      [t('project_jobs'), project.jobs == null ? '—' : formatNumber(project.jobs)],
      [t('inbox_assignee'), project.assignee ?? '—'],
      [t('project_source'), project.partner_name ? `${sourceLabel(project.source)} · ${project.partner_name}` : sourceLabel(project.source)],
    ];
    const reached = new Map(project.stages.map((s) => [s.stage, s]));
    const timeline = h(
      'ol',
      { class: 'stage-track', 'data-testid': 'project-stages' },
      ...PIPELINE.map((stage) => {
        const s = reached.get(stage);
        return h(
          'li',
          { class: `${s ? 'done' : ''}${stage === project.stage ? ' current' : ''}`, 'data-stage': stage },
          h('span', { class: 'stage-name' }, projectStageLabel(stage)),
          h('span', { class: 'stage-date' }, s ? s.reached_on : '—'),
          s?.responsible ? h('span', { class: 'stage-who muted' }, s.responsible) : null,
        );
      }),
    );
    const sites = project.sites ?? [];
    const siteList = h(
      'ul',
      { class: 'project-sites', 'data-testid': 'project-sites' },
      ...(sites.length
        ? sites.map((s) =>
            h(
              'li',
              {},
              h('button', { class: 'link-button', type: 'button', onclick: () => this.showSite(s.layer, s.id) }, `${s.name ?? ''} ${s.code}`.trim()),
              ' ',
              h('span', { class: 'muted' }, label(s.layer === 'plots' ? 'st' : 'fs', s.status)),
            ),
          )
        : [h('li', { class: 'muted' }, t('project_no_sites'))]),
    );
    const stage = h(
      'select',
      { name: 'stage', 'data-testid': 'project-stage' },
      ...PROJECT_STAGES.map((s) => h('option', { value: s, selected: s === project.stage }, projectStageLabel(s))),
    );
    const date = h('input', { type: 'date', name: 'stage_date', value: today(), 'data-testid': 'project-stage-date' });
    const responsible = h('input', { type: 'text', name: 'responsible', maxlength: 100, value: project.assignee ?? '', 'data-testid': 'project-responsible' });
    const note = h('textarea', { name: 'note', rows: 2, maxlength: 2000, 'data-testid': 'project-note', placeholder: t('editNoteHint') });
    const message = h('div', { class: 'edit-message', role: 'status', 'data-testid': 'project-message' });
    const save = h('button', { class: 'primary-button', type: 'submit', 'data-testid': 'project-save' }, t('inbox_save'));
    const say = (kind: 'ok' | 'error', text: string, ...extra: HTMLElement[]) => {
      message.className = `edit-message ${kind}`;
      replaceChildren(message, h('p', {}, text), ...extra);
    };
    const send = (release: boolean) => {
      const body: Record<string, unknown> = { note: note.value.trim() };
      if (stage.value !== project.stage) {
        body.stage = stage.value;
        if (date.value) body.stage_date = date.value;
        if (responsible.value.trim()) body.responsible = responsible.value.trim();
      }
      if (!body.stage) return say('error', t('project_pick_stage'));
      if (!body.note) return say('error', t('editNoteRequired'));
      if (release) body.release_sites = true;
      save.disabled = true;
      patchProject(project.id, etag, body)
        .then(() => this.showProject(project.id, { kind: 'ok', text: t('project_saved', { stage: projectStageLabel(String(body.stage)) }) }))
        .catch((e: unknown) => {
          if (e instanceof ApiError && e.code === 'confirm_release') {
            const confirm = h('button', { class: 'danger-button', type: 'button', 'data-testid': 'project-confirm-release', onclick: () => send(true) }, t('project_release_confirm'));
            say('error', t('project_release_ask', { sites: sites.map((s) => `${s.name ?? ''} ${s.code}`.trim()).join('、') }), confirm);
          } else if (e instanceof ApiError && e.status === 412) {
            void this.showProject(project.id, { kind: 'error', text: t('project_stale') });
          } else say('error', t('editFailed', { msg: serverMessage(e) }));
        })
        .finally(() => {
          save.disabled = false;
        });
    };
    const form = h(
      'form',
      { class: 'edit-form project-form', 'data-testid': 'project-form' },
      h('div', { class: 'inbox-form-row' }, h('label', {}, t('project_next_stage'), stage), h('label', {}, t('project_stage_date'), date), h('label', {}, t('project_responsible'), responsible)),
      h('label', {}, t('editNote'), note),
      message,
      save,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      send(false);
    });
    if (notice) say(notice.kind, notice.text);
    const history = h(
      'ol',
      { class: 'timeline', 'data-testid': 'project-history' },
      ...(project.history ?? []).map((e) =>
        h('li', {}, h('div', { class: 'timeline-when' }, when(e.at)), h('div', { class: 'timeline-what' }, describe(e.changes)), h('div', { class: 'timeline-who' }, t('hist_by', { actor: e.actor }), e.note ? ` · ${e.note}` : '')),
      ),
    );
    replaceChildren(
      this.content,
      h(
        'article',
        { class: 'project', 'data-testid': 'project-detail', 'data-id': project.id, 'data-stage': project.stage },
        back,
        h('h3', { class: 'project-title' }, project.company, h('span', { class: `stage pstage-${project.stage}`, 'data-testid': 'project-stage-tag' }, projectStageLabel(project.stage))),
        timeline,
        h('dl', { class: 'project-figures' }, ...figures.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
        h('h4', {}, t('project_sites_title')),
        siteList,
        form,
        h('details', { class: 'inbox-history-details' }, h('summary', {}, t('inbox_history')), history),
      ),
    );
    this.done();
  }

  private showSite(layer: string, id: number): void {
    this.dialog.close();
    this.store.update({ selected: { layer: layer as 'plots', id } });
  }

  /** 新建项目: a project met at an event or a walk-in, without a lead. */
  private showNewForm(): void {
    const company = h('input', { type: 'text', name: 'company', maxlength: 200, required: true, 'data-testid': 'new-project-company' });
    const industry = h('input', { type: 'text', name: 'industry', maxlength: 200, 'data-testid': 'new-project-industry' });
    const investment = h('input', { type: 'number', name: 'investment_wan', min: 0, step: 'any', 'data-testid': 'new-project-investment' });
    const park = h('select', { name: 'park', 'data-testid': 'new-project-park' }, h('option', { value: '' }, '—'), ...this.parks.map((p) => h('option', { value: p.code }, p.name)));
    const source = h('select', { name: 'source', 'data-testid': 'new-project-source' }, ...DIRECT_SOURCES.map((s) => h('option', { value: s }, sourceLabel(s))));
    const message = h('div', { class: 'edit-message', role: 'status' });
    const submit = h('button', { class: 'primary-button', type: 'submit', 'data-testid': 'new-project-save' }, t('project_create'));
    const form = h(
      'form',
      { class: 'edit-form', 'data-testid': 'new-project-form' },
      h('label', {}, t('lead_company'), company),
      h('div', { class: 'inbox-form-row' }, h('label', {}, t('f_industry'), industry), h('label', {}, t('project_investment_wan'), investment)),
      h('div', { class: 'inbox-form-row' }, h('label', {}, t('f_park'), park), h('label', {}, t('project_source'), source)),
      message,
      submit,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!company.value.trim()) {
        message.className = 'edit-message error';
        replaceChildren(message, h('p', {}, t('lead_required')));
        return;
      }
      submit.disabled = true;
      createProject({
        company: company.value.trim(),
        industry: industry.value.trim(),
        ...(investment.value ? { investment_wan: Number(investment.value) } : {}),
        ...(park.value ? { park: park.value } : {}),
        source: source.value,
      })
        .then((p) => this.showProject(p.id, { kind: 'ok', text: t('project_created') }))
        .catch((e: unknown) => {
          message.className = 'edit-message error';
          replaceChildren(message, h('p', {}, serverMessage(e)));
        })
        .finally(() => {
          submit.disabled = false;
        });
    });
    const back = h('button', { class: 'link-button', type: 'button', onclick: () => void this.showBoard() }, `← ${t('projects_board')}`);
    replaceChildren(this.content, back, h('h3', {}, t('project_new')), form);
    company.focus();
  }
}

/** A history entry's changes in words. */
function describe(changes: Record<string, unknown> | null): string {
  if (!changes) return '';
  return Object.entries(changes)
    .map(([key, value]) => {
      if (key === 'stage' && Array.isArray(value)) return `${t('inbox_stage')}：${projectStageLabel(String(value[0]))} → ${projectStageLabel(String(value[1]))}`;
      if (key === 'created') return t('project_created');
      if (key === 'site' && value && typeof value === 'object') {
        const v = value as { code?: string; status?: string; layer?: string };
        return t('project_site_held', { code: v.code ?? '', status: label(v.layer === 'plots' ? 'st' : 'fs', v.status) });
      }
      if (key === 'site_released' && value && typeof value === 'object') return t('project_site_released', { code: (value as { code?: string }).code ?? '' });
      if (Array.isArray(value)) return `${key}：${String(value[0] ?? '—')} → ${String(value[1] ?? '—')}`;
      return key;
    })
    .join('；');
}
