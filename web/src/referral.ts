// Where an investor came from, kept for their enquiry: a partner's referral
// link (`/r/{code}` opens the map with `?ref=code`) or a site sheet's QR code
// (`?src=sheet`). Both are taken off the address so that a shared link does
// not credit the next reader, and kept for the visit (sessionStorage).

const REFERRAL_KEY = 'siteatlas_ref';
const SOURCE_KEY = 'siteatlas_src';

/** Takes `ref` and `src` off the page's address and keeps them for the visit. */
export function rememberOrigin(): void {
  const url = new URL(window.location.href);
  const ref = url.searchParams.get('ref');
  const src = url.searchParams.get('src');
  if (ref === null && src === null) return;
  try {
    if (ref && /^[a-z0-9]{1,32}$/i.test(ref)) sessionStorage.setItem(REFERRAL_KEY, ref);
    if (src === 'sheet') sessionStorage.setItem(SOURCE_KEY, src);
  } catch {
    // Storage refused (private mode): the enquiry is simply not credited.
  }
  url.searchParams.delete('ref');
  url.searchParams.delete('src');
  window.history.replaceState(window.history.state, '', url);
}

/** What an enquiry sends of the visit's origin. */
export function originOfVisit(): { referral?: string; source?: string } {
  try {
    const referral = sessionStorage.getItem(REFERRAL_KEY) ?? undefined;
    const source = sessionStorage.getItem(SOURCE_KEY) ?? undefined;
    return { ...(referral ? { referral } : {}), ...(source ? { source } : {}) };
  } catch {
    return {};
  }
}
