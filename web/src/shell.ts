// The page around the map: header, side panel (a bottom sheet on phones),
// the card's place, notices and legend.

import { h, replaceChildren } from './dom';
import { getLang, onLangChange, setLang, t } from './i18n';
import { mountLegend } from './legend';
import type { LiveStatus } from './live';
import type { Insets } from './map';
import { mountNotices } from './notice';
import type { Store } from './state';

export interface Shell {
  mapContainer: HTMLElement;
  mountPanel(...sections: HTMLElement[]): void;
  mountCard(card: HTMLElement): void;
  /** The map's padding that keeps a framed feature clear of the open card. */
  framePadding(): Insets;
  setLive(status: LiveStatus): void;
  /** Adds a control (such as sign-in) to the top bar. */
  mountTopbar(control: HTMLElement): void;
  /** A short line (the result count) on the folded sheet's handle. */
  setSheetSummary(text: string): void;
  fatal(message: string): void;
}

/** The emblem: a map pin over a parcel grid, drawn inline so nothing is fetched. */
function logo(): SVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 40 40');
  svg.setAttribute('class', 'logo');
  svg.setAttribute('aria-hidden', 'true');
  svg.innerHTML =
    '<rect x="1" y="1" width="38" height="38" rx="9" fill="#c8102e"/>' +
    '<path d="M8 27h24M8 32h24M13 22v13M20 24v11M27 22v13" stroke="#fff" stroke-opacity=".45" stroke-width="1.6"/>' +
    '<path d="M20 5c-5.2 0-9 3.9-9 8.8 0 6.4 9 13.7 9 13.7s9-7.3 9-13.7C29 8.9 25.2 5 20 5z" fill="#ffd54a"/>' +
    '<circle cx="20" cy="13.6" r="3.4" fill="#c8102e"/>';
  return svg;
}

export function buildShell(store: Store): Shell {
  const title = h('h1', { class: 'brand-title' });
  const subtitle = h('span', { class: 'brand-subtitle' });
  const tagline = h('p', { class: 'brand-tagline' });
  const live = h('span', { class: 'live connecting', 'data-testid': 'live-status' });
  const topbarSlot = h('div', { class: 'topbar-slot' });
  const langButton = h('button', { class: 'lang-switch', type: 'button', 'data-testid': 'lang-switch' });
  langButton.addEventListener('click', () => setLang(getLang() === 'zh' ? 'en' : 'zh'));
  const header = h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, logo(), h('div', { class: 'brand-text' }, h('div', { class: 'brand-line' }, title, subtitle), tagline)),
    h('div', { class: 'topbar-actions' }, live, topbarSlot, langButton),
  );

  const panelBody = h('div', { class: 'panel-scroll' });
  const toggle = h('button', { class: 'panel-toggle', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'panel', 'data-testid': 'panel-toggle' });
  const panel = h('aside', { class: 'panel', id: 'panel', 'data-testid': 'panel' }, toggle, panelBody);
  const mapContainer = h('div', { class: 'map', id: 'map' });
  const cardSlot = h('div', { class: 'card-slot' });
  const mapWrap = h('div', { class: 'map-wrap' }, mapContainer, cardSlot);
  mountNotices(mapWrap);
  mountLegend(mapWrap, store);
  const app = h('div', { class: 'app' }, header, h('main', { class: 'layout' }, panel, mapWrap));
  document.body.appendChild(app);

  let liveStatus: LiveStatus = 'connecting';
  let sheetSummary = '';
  const toggleText = () => {
    const open = document.body.classList.contains('panel-open');
    replaceChildren(toggle, open ? t('panelToggleClose') : t('panelToggleOpen'), !open && sheetSummary ? h('span', { class: 'sheet-summary' }, sheetSummary) : null);
  };
  const setPanelOpen = (open: boolean) => {
    document.body.classList.toggle('panel-open', open);
    toggle.setAttribute('aria-expanded', String(open));
    toggleText();
  };
  toggle.addEventListener('click', () => setPanelOpen(!document.body.classList.contains('panel-open')));
  // On a phone, opening a card folds the sheet so the card has the room, and
  // focus follows to the card rather than staying in the folded sheet.
  store.subscribe((state, change) => {
    if (!change.selected || !state.selected) return;
    const wasOpen = document.body.classList.contains('panel-open');
    setPanelOpen(false);
    // Deferred until this update has shown the card: a hidden element cannot take focus.
    if (wasOpen && panel.contains(document.activeElement)) {
      setTimeout(() => ([...cardSlot.children] as HTMLElement[]).find((card) => !card.hidden)?.focus({ preventScroll: true }));
    }
  });

  const renderText = () => {
    title.textContent = t('appTitle');
    subtitle.textContent = t('appSubtitle');
    // The brand's other-language name and the switch to the other language are written in that language.
    subtitle.lang = getLang() === 'zh' ? 'en' : 'zh-CN';
    langButton.lang = getLang() === 'zh' ? 'en' : 'zh-CN';
    tagline.textContent = t('appTagline');
    langButton.textContent = t('langSwitch');
    langButton.title = t('langSwitchTitle');
    live.textContent = liveStatus === 'open' ? t('liveOn') : t('liveOff');
    live.title = liveStatus === 'open' ? t('liveOnTitle') : t('liveOffTitle');
    toggleText();
  };
  renderText();
  onLangChange(renderText);
  document.documentElement.lang = getLang() === 'zh' ? 'zh-CN' : 'en';
  document.title = t('docTitle');

  return {
    mapContainer,
    mountPanel: (...sections) => replaceChildren(panelBody, ...sections),
    mountCard: (card) => cardSlot.appendChild(card),
    framePadding: () => {
      const m = window.matchMedia('(max-width: 720px)').matches ? 24 : 60;
      const pad = { top: m, right: m, bottom: m, left: m };
      const card = cardSlot.firstElementChild as HTMLElement | null;
      // Once the selection is set the card is about to show, so measure its slot rather than the card.
      if (!card) return pad;
      const map = mapContainer.getBoundingClientRect();
      const slot = cardSlot.getBoundingClientRect();
      if (slot.top > map.top + map.height / 3) pad.bottom += Math.max(0, map.bottom - slot.top);
      else pad.right += Math.max(0, map.right - slot.left);
      return pad;
    },
    mountTopbar: (control) => topbarSlot.append(control),
    setLive: (status) => {
      liveStatus = status;
      live.className = `live ${status}`;
      renderText();
    },
    setSheetSummary: (text) => {
      sheetSummary = text;
      toggleText();
    },
    fatal: (message) => replaceChildren(mapContainer, h('div', { class: 'fatal' }, message)),
  };
}
