// Leads (线索): the investor's "I'm interested" form in the card (no account;
// a hidden honeypot field catches bots; the investor's consent to the privacy
// notice, as 《个人信息保护法》 requires, goes with it), and the promoters' inbox, where each
// lead moves through its stages with an assignee, notes and its history.

import { createProject, fetchLead, fetchLeads, LEAD_STAGES, patchLead, submitLead, TooManyError, type Lead, type LeadForm } from './api';
import { h, replaceChildren } from './dom';
import { getLang, serverMessage, t, type StringKey } from './i18n';
import { originOfVisit } from './referral';
import type { Selection, Store } from './state';

/** The card's lead form for a plot or factory. */
export function leadSection(selection: Selection): HTMLElement {
  const details = h('details', { class: 'lead-details' }, h('summary', { class: 'lead-open', 'data-testid': 'lead-open' }, t('lead_title')), leadForm({ layer: selection.layer, feature: selection.id }, t('lead_intro')));
  return h('section', { class: 'card-section lead', 'data-testid': 'card-lead' }, details);
}

/**
 * The enquiry form: company, contact, needs and the consent to the privacy
 * notice; `about` says what the enquiry is about (a site, or a tour's share
 * token, which credits the lead to the tour and its guide).
 */
export function leadForm(about: Pick<LeadForm, 'layer' | 'feature' | 'share_token'>, intro: string): HTMLFormElement {
  const company = h('input', { type: 'text', name: 'company', maxlength: 200, required: true, autocomplete: 'organization', 'data-testid': 'lead-company' });
  const contact = h('input', { type: 'text', name: 'contact', maxlength: 200, required: true, autocomplete: 'on', 'data-testid': 'lead-contact' });
  const needs = h('textarea', { name: 'needs', rows: 3, maxlength: 2000, placeholder: t('lead_needs_hint'), 'data-testid': 'lead-needs' });
  // For bots only: people neither see it nor reach it with the keyboard, screen readers skip it.
  const website = h('input', { type: 'text', name: 'website', tabindex: -1, autocomplete: 'off', 'data-testid': 'lead-website' });
  const trap = h('div', { class: 'lead-trap', 'aria-hidden': 'true' }, h('label', {}, t('lead_website'), website));
  const consent = h('input', { type: 'checkbox', name: 'consent', 'data-testid': 'lead-consent' });
  const consentLine = h(
    'label',
    { class: 'lead-consent', 'data-testid': 'lead-consent-line' },
    consent,
    h('span', {}, t('lead_consent_before'), h('a', { href: 'privacy', target: '_blank', rel: 'noopener', 'data-testid': 'lead-privacy-link' }, t('lead_privacy')), t('lead_consent_after')),
  );
  const message = h('div', { class: 'edit-message', role: 'status', 'data-testid': 'lead-message' });
  const submit = h('button', { class: 'primary-button', type: 'submit', 'data-testid': 'lead-submit' }, t('lead_submit'));
  const form = h(
    'form',
    { class: 'edit-form lead-form', 'data-testid': 'lead-form', novalidate: true },
    h('p', { class: 'muted' }, intro),
    h('label', {}, t('lead_company'), company),
    h('label', {}, t('lead_contact'), contact),
    h('label', {}, t('lead_needs'), needs),
    consentLine,
    trap,
    message,
    submit,
  );
  const say = (kind: 'ok' | 'error', text: string) => {
    message.className = `edit-message ${kind}`;
    replaceChildren(message, h('p', {}, text));
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!company.value.trim() || !contact.value.trim()) {
      say('error', t('lead_required'));
      return;
    }
    if (!consent.checked) {
      say('error', t('lead_consent_required'));
      return;
    }
    submit.disabled = true;
    submitLead({ ...about, company: company.value.trim(), contact: contact.value.trim(), needs: needs.value.trim(), website: website.value, consent: true, ...originOfVisit() })
      .then(() => {
        say('ok', t('lead_sent'));
        company.value = '';
        contact.value = '';
        needs.value = '';
        consent.checked = false;
      })
      .catch((e: unknown) => {
        if (e instanceof TooManyError) say('error', waitMessage(e.retryAfter));
        else say('error', t('lead_failed', { msg: e instanceof Error ? e.message : String(e) }));
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return form;
}

/** "请 7 分钟后再试": the server's wait in whole minutes, rounded up. */
export function waitMessage(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return t(minutes === 1 ? 'lead_too_many_1' : 'lead_too_many', { m: minutes });
}

/** Where a lead or project came from, in words. */
export function sourceLabel(source: string | undefined | null): string {
  const key = `source_${source ?? 'map'}` as StringKey;
  const text = t(key);
  return text === key ? String(source) : text;
}

export function stageLabel(stage: string): string {
  return (LEAD_STAGES as readonly string[]).includes(stage) ? t(`stage_${stage}` as StringKey) : stage;
}

/** A Unix time (s) or an RFC 3339 string in the reader's locale. */
export function when(at: unknown): string {
  const d = typeof at === 'number' ? new Date(at * 1000) : typeof at === 'string' ? new Date(at) : null;
  if (!d || Number.isNaN(d.getTime())) return String(at ?? '');
  return d.toLocaleString(getLang() === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
}

/** A full-screen-ish dialog with a title and a close button; the body is the caller's. */
export function overlay(title: StringKey, testId: string): { el: HTMLDialogElement; body: HTMLElement; head: HTMLElement; open(): void; close(): void } {
  const body = h('div', { class: 'overlay-body' });
  const close = h('button', { class: 'card-close', type: 'button', 'aria-label': t('inbox_close'), title: t('inbox_close') }, '×');
  const head = h('div', { class: 'overlay-tools' });
  const heading = h('h2', { id: `${testId}-title` }, t(title));
  const el = h('dialog', { class: 'overlay', 'data-testid': testId, 'aria-labelledby': `${testId}-title` }, h('div', { class: 'overlay-head' }, heading, head, close), body);
  close.addEventListener('click', () => el.close());
  document.body.append(el);
  return {
    el,
    body,
    head,
    open: () => {
      heading.textContent = t(title);
      close.setAttribute('aria-label', t('inbox_close'));
      if (!el.open) el.showModal();
    },
    close: () => el.close(),
  };
}

/** The promoters' inbox. */
export class LeadInbox {
  private readonly dialog = overlay('inbox_title', 'inbox');
  private readonly filter = h('select', { 'data-testid': 'inbox-filter', 'aria-label': t('inbox_stage') });
  private readonly refreshButton = h('button', { class: 'card-action', type: 'button', 'data-testid': 'inbox-refresh' }, t('inbox_refresh'));
  private readonly list = h('ol', { class: 'inbox-list', 'data-testid': 'inbox-list' });
  private loaded = 0;

  constructor(
    private readonly store: Store,
    /** Opens a project on the pipeline board. */
    private readonly openProject: (id: number) => void,
  ) {
    this.dialog.head.append(this.filter, this.refreshButton);
    this.dialog.body.append(this.list);
    this.filter.addEventListener('change', () => void this.load());
    this.refreshButton.addEventListener('click', () => void this.load());
  }

  open(): void {
    replaceChildren(this.filter, h('option', { value: '' }, t('inbox_all')), ...LEAD_STAGES.map((s) => h('option', { value: s, selected: this.filter.value === s }, stageLabel(s))));
    this.refreshButton.textContent = t('inbox_refresh');
    this.dialog.open();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const leads = await fetchLeads(this.filter.value || undefined);
      replaceChildren(this.list, ...(leads.length ? leads.map((l) => this.row(l)) : [h('li', { class: 'empty' }, t('inbox_empty'))]));
    } catch (e) {
      replaceChildren(this.list, h('li', { class: 'empty error' }, t('inbox_failed', { msg: e instanceof Error ? e.message : String(e) })));
    }
    this.loaded += 1;
    this.list.dataset.loaded = String(this.loaded);
  }

  private row(lead: Lead): HTMLElement {
    const stage = h('select', { name: 'status', 'data-testid': 'lead-stage' }, ...LEAD_STAGES.map((s) => h('option', { value: s, selected: s === lead.status }, stageLabel(s))));
    const assignee = h('input', { type: 'text', name: 'assignee', maxlength: 100, value: lead.assignee ?? '', 'data-testid': 'lead-assignee' });
    const note = h('textarea', { name: 'note', rows: 2, maxlength: 2000, 'data-testid': 'lead-note' });
    const message = h('span', { class: 'inbox-message', role: 'status', 'data-testid': 'lead-save-message' });
    const save = h('button', { class: 'primary-button', type: 'submit', 'data-testid': 'lead-save' }, t('inbox_save'));
    const history = h('div', { class: 'inbox-history', 'data-testid': 'lead-history' });
    const historyToggle = h('details', { class: 'inbox-history-details' }, h('summary', {}, t('inbox_history')), history);
    historyToggle.addEventListener('toggle', () => {
      if (historyToggle.open) void this.showHistory(lead.id, history);
    });
    const stageTag = h('span', { class: `stage stage-${lead.status}`, 'data-testid': 'lead-stage-tag' }, stageLabel(lead.status));
    const form = h(
      'form',
      { class: 'edit-form inbox-form' },
      h('div', { class: 'inbox-form-row' }, h('label', {}, t('inbox_stage'), stage), h('label', {}, t('inbox_assignee'), assignee)),
      h('label', {}, t('inbox_note'), note),
      h('div', { class: 'inbox-form-row' }, message, save),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const body: { status?: string; assignee?: string; note?: string } = {};
      if (stage.value !== lead.status) body.status = stage.value;
      if (assignee.value.trim() !== (lead.assignee ?? '')) body.assignee = assignee.value.trim();
      if (note.value.trim()) body.note = note.value.trim();
      if (!Object.keys(body).length) return;
      save.disabled = true;
      patchLead(lead.id, body)
        .then((saved) => {
          lead = { ...lead, ...saved };
          note.value = '';
          stageTag.className = `stage stage-${lead.status}`;
          stageTag.textContent = stageLabel(lead.status);
          message.className = 'inbox-message ok';
          message.textContent = t('inbox_saved');
          if (historyToggle.open) void this.showHistory(lead.id, history);
        })
        .catch((e: unknown) => {
          message.className = 'inbox-message error';
          message.textContent = e instanceof Error ? e.message : String(e);
        })
        .finally(() => {
          save.disabled = false;
        });
    });
    const toProject = h('button', { class: 'card-action', type: 'button', 'data-testid': 'lead-to-project' }, t('lead_to_project'));
    toProject.addEventListener('click', () => {
      toProject.disabled = true;
      createProject({ lead: lead.id })
        .then((p) => {
          this.dialog.close();
          this.openProject(p.id);
        })
        .catch((e: unknown) => {
          message.className = 'inbox-message error';
          message.textContent = serverMessage(e);
        })
        .finally(() => {
          toProject.disabled = false;
        });
    });
    const site = lead.site;
    const siteLine = site
      ? h('button', { class: 'link-button', type: 'button', title: t('inbox_show_site'), 'data-testid': 'lead-site', onclick: () => this.showSite({ layer: site.layer, id: site.id }) }, `${site.name ?? ''} ${site.code ?? ''}`.trim() || `${site.layer}/${site.id}`)
      : h('span', { class: 'muted' }, t('inbox_no_site'));
    return h(
      'li',
      { class: 'inbox-lead', 'data-id': lead.id, 'data-testid': 'inbox-lead' },
      h('div', { class: 'inbox-lead-head' }, h('strong', { class: 'inbox-company', 'data-testid': 'lead-company-text' }, lead.company), stageTag),
      h('div', { class: 'inbox-source', 'data-testid': 'lead-source' }, `${t('lead_source')}：${sourceLabel(lead.source)}`, ' ', toProject),
      h('div', { class: 'inbox-contact' }, lead.contact),
      h('div', { class: 'inbox-site' }, `${t('inbox_site')}：`, siteLine),
      lead.source === 'tour' ? h('div', { class: 'inbox-credit', 'data-testid': 'lead-credit' }, t('inbox_from_tour', { tour: lead.tour ?? '', guide: lead.credited_to ?? '' })) : null,
      lead.needs ? h('p', { class: 'inbox-needs' }, lead.needs) : null,
      h('div', { class: 'muted' }, t('inbox_received', { at: when(lead.created_at) })),
      form,
      historyToggle,
    );
  }

  private showSite(sel: Selection): void {
    this.dialog.close();
    this.store.update({ selected: sel });
  }

  private async showHistory(id: number, el: HTMLElement): Promise<void> {
    try {
      const lead = await fetchLead(id);
      const entries = lead.history ?? [];
      replaceChildren(
        el,
        entries.length
          ? h(
              'ol',
              { class: 'timeline' },
              ...entries.map((e) =>
                h(
                  'li',
                  {},
                  h('div', { class: 'timeline-when' }, when(e.at)),
                  h(
                    'div',
                    { class: 'timeline-what' },
                    ...Object.entries(e.changes ?? {}).map(([k, [from, to]]) =>
                      h('div', {}, `${k === 'status' ? t('inbox_stage') : k === 'assignee' ? t('inbox_assignee') : k}：`, k === 'status' ? `${stageLabel(String(from ?? ''))} → ` : `${String(from ?? '—')} → `, h('strong', {}, k === 'status' ? stageLabel(String(to ?? '')) : String(to ?? '—'))),
                    ),
                  ),
                  h('div', { class: 'timeline-who' }, t('hist_by', { actor: e.actor }), e.note ? ` · ${e.note}` : ''),
                ),
              ),
            )
          : h('p', { class: 'muted' }, t('inbox_no_history')),
      );
    } catch (e) {
      replaceChildren(el, h('p', { class: 'card-message error' }, e instanceof Error ? e.message : String(e)));
    }
  }
}
