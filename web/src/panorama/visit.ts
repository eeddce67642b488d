// The site visit (实地看厂 / 云看地) opened from the feature card: the
// feature's scenes full screen, closed with the button or Esc. Loaded on
// demand, so the map does not carry the viewer's weight until it is needed.

import { h } from '../dom';
import { t } from '../i18n';
import type { Feature } from '../types';
import type { Scene } from './api';
import { PanoramaStage } from './stage';

let open: (() => void) | null = null;

/** Opens the visit at `scenes[index]`; `feature` gives the inset its outline. */
export function openVisit(scenes: Scene[], feature: Feature, index = 0): void {
  open?.();
  const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const stage = new PanoramaStage({ scenes, geometryOf: () => feature.geometry });
  const close = h('button', { class: 'pano-close', type: 'button', 'aria-label': t('panoClose'), title: t('panoClose'), 'data-testid': 'pano-close' }, '×');
  const overlay = h(
    'div',
    { class: 'pano-overlay', role: 'dialog', 'aria-modal': 'true', 'aria-label': t('panoVisitTitle'), 'data-testid': 'pano-visit' },
    stage.el,
    close,
  );
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && !document.fullscreenElement) {
      e.preventDefault();
      shut();
    }
  };
  const shut = () => {
    open = null;
    document.removeEventListener('keydown', onKey);
    stage.destroy();
    overlay.remove();
    document.body.classList.remove('pano-open');
    before?.focus();
  };
  close.addEventListener('click', shut);
  document.addEventListener('keydown', onKey);
  document.body.classList.add('pano-open');
  document.body.appendChild(overlay);
  open = shut;
  stage.start(scenes[index] ?? scenes[0]);
  close.focus();
}

/** Closes the open visit, if any. */
export function closeVisit(): void {
  open?.();
}
