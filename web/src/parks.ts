// Parks as the panels need them: a code → name list for the filter and the card.

import type { Feature, ParkSummary } from './types';

export function parkSummaries(parks: Feature[]): ParkSummary[] {
  return parks
    .map((f) => ({ code: String(f.properties.code ?? ''), name: String(f.properties.name ?? '') }))
    .filter((p) => p.code)
    .sort((a, b) => a.code.localeCompare(b.code));
}
