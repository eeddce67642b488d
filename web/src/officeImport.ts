// 数据导入: a land department's file through the browser. The file is always
// checked first (a dry run, which writes nothing); its problems are shown as a
// table of feature, field and reason. Only a file that passed that check can
// be imported for real, with "确认导入", and the counts are shown.

import { importFile, type ImportOptions, type ImportReport } from './api';
import { h, replaceChildren } from './dom';
import { formatNumber, isKey, label, serverMessage, t, type StringKey } from './i18n';
import type { OfficerSession } from './officer';

/** What the server reads: the format is sniffed from the content. */
const ACCEPT = '.geojson,.json,.geojsonl,.geojsons,.zip,.gpkg,.txt,.csv';

/** The import tab; `onImported` hears of a written import (the map reloads through live updates anyway). */
export function importTab(session: OfficerSession, onImported: () => void): HTMLElement {
  const layers = session.info?.role === 'admin' ? ['plots', 'factories', 'parks', 'pois'] : ['plots', 'factories'];
  const layer = h('select', { name: 'layer', 'data-testid': 'import-layer' }, ...layers.map((l) => h('option', { value: l }, label('layer', l))));
  const file = h('input', { type: 'file', name: 'file', accept: ACCEPT, 'data-testid': 'import-file' });
  const check = h('button', { class: 'card-action', type: 'button', 'data-testid': 'import-check' }, t('imp_check'));
  const confirm = h('button', { class: 'primary-button', type: 'button', 'data-testid': 'import-confirm', disabled: true }, t('imp_confirm'));
  const report = h('div', { class: 'import-report', 'aria-live': 'polite', 'data-testid': 'import-report' });
  // What the file itself may not say: its coordinate system, the layer of a GeoPackage, values for missing fields.
  const crs = h('input', { type: 'text', name: 'crs', placeholder: 'EPSG:4523', autocomplete: 'off', 'data-testid': 'import-crs' });
  const sourceLayer = h('input', { type: 'text', name: 'source_layer', autocomplete: 'off', 'data-testid': 'import-source-layer' });
  const defaults = h('input', { type: 'text', name: 'defaults', placeholder: 'status=available;park=WJ-MED', autocomplete: 'off', 'data-testid': 'import-defaults' });
  const repair = h('input', { type: 'checkbox', name: 'repair', 'data-testid': 'import-repair' });
  const options = (): ImportOptions => ({ crs: crs.value.trim(), source_layer: sourceLayer.value.trim(), defaults: defaults.value.trim(), repair: repair.checked });
  /** The file, layer and options the last clean dry run was for: only those may be imported. */
  let checked: { file: File; layer: string; options: ImportOptions } | null = null;

  const reset = () => {
    checked = null;
    confirm.disabled = true;
    replaceChildren(report);
  };
  for (const input of [file, layer, crs, sourceLayer, defaults, repair]) input.addEventListener('change', reset);

  const busy = (on: boolean) => {
    check.disabled = on;
    confirm.disabled = on || !checked;
  };

  check.addEventListener('click', () => {
    const chosen = file.files?.[0];
    reset();
    if (!chosen) {
      replaceChildren(report, h('p', { class: 'card-message error', role: 'alert' }, t('imp_no_file')));
      return;
    }
    busy(true);
    replaceChildren(report, h('p', { class: 'muted' }, t('imp_checking')));
    const chosenOptions = options();
    importFile(layer.value, chosen, true, chosenOptions)
      .then((r) => {
        if (!r.issues.length) checked = { file: chosen, layer: layer.value, options: chosenOptions };
        replaceChildren(report, ...dryRunView(r));
      })
      .catch((e: unknown) => replaceChildren(report, h('p', { class: 'card-message error', role: 'alert', 'data-testid': 'import-error' }, t('imp_failed', { msg: serverMessage(e) }))))
      .finally(() => busy(false));
  });

  confirm.addEventListener('click', () => {
    if (!checked) return;
    const { file: chosen, layer: target, options: chosenOptions } = checked;
    busy(true);
    importFile(target, chosen, false, chosenOptions)
      .then((r) => {
        if (r.issues.length) {
          replaceChildren(report, ...dryRunView(r));
          return;
        }
        checked = null;
        replaceChildren(
          report,
          h('p', { class: 'card-message ok', 'data-testid': 'import-done' }, t('imp_done', { inserted: formatNumber(r.inserted, 0), updated: formatNumber(r.updated, 0), layer: label('layer', r.layer) })),
        );
        onImported();
      })
      .catch((e: unknown) => replaceChildren(report, h('p', { class: 'card-message error', role: 'alert', 'data-testid': 'import-error' }, t('imp_failed', { msg: serverMessage(e) }))))
      .finally(() => busy(false));
  });

  return h(
    'div',
    { class: 'office-import', 'data-testid': 'office-import' },
    h('p', { class: 'muted' }, t('imp_hint')),
    h('div', { class: 'office-row' }, h('label', {}, t('imp_layer'), layer), h('label', { class: 'grow' }, t('imp_file'), file)),
    h(
      'details',
      { class: 'import-options' },
      h('summary', {}, t('imp_options')),
      h(
        'div',
        { class: 'office-row' },
        h('label', {}, t('imp_crs'), crs),
        h('label', {}, t('imp_source_layer'), sourceLayer),
        h('label', { class: 'grow' }, t('imp_defaults'), defaults),
        h('label', { class: 'pe-check' }, repair, t('imp_repair')),
      ),
    ),
    h('div', { class: 'form-buttons' }, check, confirm),
    report,
  );
}

/** A field's name in the reader's language, else as the server wrote it. */
function fieldName(field: string | undefined): string {
  if (!field) return t('unknown');
  if (field === 'geometry') return t('imp_geometry');
  const key = `f_${field}`;
  return isKey(key) ? t(key as StringKey) : field;
}

/** The dry run's report: a summary, and every problem as a row of a table. */
function dryRunView(r: ImportReport): HTMLElement[] {
  const summary = h(
    'p',
    { class: r.issues.length ? 'card-message error' : 'card-message ok', 'data-testid': 'import-summary' },
    r.issues.length ? t('imp_invalid', { read: r.read, bad: r.issues.length }) : t('imp_valid', { read: r.read, layer: label('layer', r.layer) }),
    ' ',
    h('span', { class: 'muted' }, `${r.format} · ${r.crs}`),
  );
  if (!r.issues.length) return [summary, h('p', { class: 'muted' }, t('imp_ready'))];
  const table = h(
    'table',
    { class: 'dash-table import-issues', 'data-testid': 'import-issues' },
    h('thead', {}, h('tr', {}, h('th', {}, t('imp_record')), h('th', {}, t('f_code')), h('th', {}, t('imp_field')), h('th', {}, t('imp_reason')))),
    h(
      'tbody',
      {},
      ...r.issues.map((issue) =>
        h('tr', { 'data-record': issue.record }, h('td', { class: 'num' }, issue.record), h('td', {}, issue.code ?? '—'), h('td', { 'data-field': issue.field ?? '' }, fieldName(issue.field)), h('td', { class: 'import-reason' }, issue.reason)),
      ),
    ),
  );
  return [summary, h('div', { class: 'dash-table-wrap' }, table), h('p', { class: 'muted' }, t('imp_fix'))];
}
