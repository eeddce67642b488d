//! Browser sessions and signed values.
//!
//! The web app signs in once with an API token (`POST /api/session`) and then
//! carries a session cookie instead of the token: `HttpOnly` (scripts never
//! see it), `Secure`, `SameSite=Strict` and limited to 12 hours. The cookie
//! holds the token's hash, an expiry and an HMAC-SHA256 over both under a key
//! kept in the store, so every instance on the store accepts it and nothing
//! per session needs storing. Each request still looks the token up, so
//! revoking the token ends its sessions at once.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use parking_lot::Mutex;
use sha2::{Digest, Sha256};

use crate::clock::unix_now;
use crate::error::ApiError;
use crate::store::{ShareLinkRecord, Store};

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "siteatlas_session";

/// How long a session lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// A key for HMAC-SHA256 signatures, shared by the instances on one store.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

impl SigningKey {
    /// A key from its bytes (at least 32 of them).
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    fn mac(&self, purpose: &str, message: &str) -> Hmac<Sha256> {
        // The key has no length limit for HMAC, so this cannot fail.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        // The purpose keeps a signature made for one use from passing for another.
        mac.update(purpose.as_bytes());
        mac.update(b"\n");
        mac.update(message.as_bytes());
        mac
    }

    /// Hex HMAC-SHA256 of `message` for one purpose.
    pub fn sign(&self, purpose: &str, message: &str) -> String {
        hex(&self.mac(purpose, message).finalize().into_bytes())
    }

    /// Whether `signature` is this key's signature of `message` (in constant time).
    pub fn verify(&self, purpose: &str, message: &str, signature: &str) -> bool {
        let Some(bytes) = unhex(signature) else {
            return false;
        };
        self.mac(purpose, message).verify_slice(&bytes).is_ok()
    }
}

/// The hex SHA-256 of an API token, as the store keeps it.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lower-case hex digits of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes from hex digits.
pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

const SESSION_PURPOSE: &str = "session";

/// The cookie value of a new session for the token with this hash.
pub fn session_value(key: &SigningKey, token_hash: &str, now: u64) -> String {
    let message = format!("{token_hash}.{}", now + SESSION_LIFETIME.as_secs());
    let signature = key.sign(SESSION_PURPOSE, &message);
    format!("{message}.{signature}")
}

/// The token hash a session cookie value vouches for, if it is genuine and
/// has not expired.
pub fn session_token_hash(key: &SigningKey, value: &str, now: u64) -> Option<String> {
    let (message, signature) = value.rsplit_once('.')?;
    if !key.verify(SESSION_PURPOSE, message, signature) {
        return None;
    }
    let (hash, expires) = message.split_once('.')?;
    (expires.parse::<u64>().ok()? > now).then(|| hash.to_owned())
}

/// The `Set-Cookie` value that starts a session.
pub fn set_cookie(value: &str) -> String {
    format!(
        "{COOKIE_NAME}={value}; Path=/; Max-Age={}; HttpOnly; Secure; SameSite=Strict",
        SESSION_LIFETIME.as_secs()
    )
}

/// The `Set-Cookie` value that ends a session.
pub fn clear_cookie() -> String {
    format!("{COOKIE_NAME}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict")
}

/// The value of one cookie in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

/// Failed attempts allowed per client address in one window.
const MAX_FAILURES: u32 = 10;
/// The window over which failures are counted.
const FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// Slows down guessing: after [`MAX_FAILURES`] failed sign-ins from one
/// address within a minute, further attempts are refused until the minute
/// is over. (A 256-bit token cannot be guessed; this keeps the store from
/// being hammered and makes attempts visible.)
#[derive(Debug, Default)]
pub struct SignInLimiter {
    failures: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl SignInLimiter {
    /// `Err(seconds to wait)` when the address has failed too often.
    pub fn check(&self, address: IpAddr) -> Result<(), u64> {
        let failures = self.failures.lock();
        match failures.get(&address) {
            Some((since, count)) if *count >= MAX_FAILURES && since.elapsed() < FAILURE_WINDOW => {
                Err((FAILURE_WINDOW - since.elapsed()).as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed attempt.
    pub fn failed(&self, address: IpAddr) {
        let mut failures = self.failures.lock();
        // Forget old windows so the map cannot grow without bound.
        if failures.len() > 10_000 {
            failures.retain(|_, (since, _)| since.elapsed() < FAILURE_WINDOW);
        }
        let entry = failures.entry(address).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= FAILURE_WINDOW {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
    }
}

/// At most `max` uses per key (a client address, a session, a contact) in a
/// window (public forms).
#[derive(Debug)]
pub struct RateLimiter<K = IpAddr> {
    max: u32,
    window: Duration,
    uses: Mutex<HashMap<K, (Instant, u32)>>,
}

impl<K: std::hash::Hash + Eq + Clone> RateLimiter<K> {
    /// A limit of `max` uses per `window`.
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max,
            window,
            uses: Mutex::default(),
        }
    }

    /// `Err(seconds to wait)` when the key is at its limit; counts nothing.
    pub fn check(&self, key: &K) -> Result<(), u64> {
        let uses = self.uses.lock();
        match uses.get(key) {
            Some((since, n)) if since.elapsed() < self.window && *n >= self.max => {
                Err((self.window - since.elapsed()).as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    /// Counts a use; `Err(seconds to wait)` when the key is over its limit.
    pub fn take(&self, key: K) -> Result<(), u64> {
        let mut uses = self.uses.lock();
        if uses.len() > 10_000 {
            uses.retain(|_, (since, _)| since.elapsed() < self.window);
        }
        let entry = uses.entry(key).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= self.window {
            *entry = (Instant::now(), 0);
        }
        if entry.1 >= self.max {
            return Err((self.window - entry.0.elapsed()).as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// The limits of the lead form. Per client address the allowance is wide,
/// since one office NAT or proxy can stand for many investors; per session
/// and per contact (phone or e-mail, normalised) it is narrow, so that no
/// one sender can flood the inbox whatever address they come from.
#[derive(Debug)]
pub struct LeadLimits {
    /// Per client address: 30 per 10 minutes.
    pub address: RateLimiter<IpAddr>,
    /// Per signed-in session: 5 per 10 minutes.
    pub session: RateLimiter<String>,
    /// Per contact: 3 per 10 minutes.
    pub contact: RateLimiter<String>,
}

impl Default for LeadLimits {
    fn default() -> Self {
        let window = Duration::from_secs(600);
        Self {
            address: RateLimiter::new(30, window),
            session: RateLimiter::new(5, window),
            contact: RateLimiter::new(3, window),
        }
    }
}

impl LeadLimits {
    /// Counts an enquiry against every key it has; `Err(seconds to wait)`,
    /// the longest of the limits reached, when any refuses. A refused
    /// enquiry counts against none, so waiting out one limit is enough.
    pub fn take(
        &self,
        address: IpAddr,
        session: Option<&str>,
        contacts: &[String],
    ) -> Result<(), u64> {
        let session = session.map(str::to_owned);
        // Phone numbers and e-mail addresses are personal data: the limiter
        // holds only their hashes.
        let contacts: Vec<String> = contacts.iter().map(|c| token_hash(c)).collect();
        let mut wait = self.address.check(&address).err().unwrap_or(0);
        if let Some(s) = &session {
            wait = wait.max(self.session.check(s).err().unwrap_or(0));
        }
        for c in &contacts {
            wait = wait.max(self.contact.check(c).err().unwrap_or(0));
        }
        if wait > 0 {
            return Err(wait);
        }
        let mut taken = self.address.take(address);
        if let Some(s) = session {
            taken = taken.and(self.session.take(s));
        }
        for c in contacts {
            taken = taken.and(self.contact.take(c));
        }
        taken
    }
}

/// The keys a lead's contact text is limited by: each phone number (its
/// digits, without a +86 or 0086 country code) and each e-mail address
/// (lower case); the whole text, without spaces and in lower case, when it
/// holds neither. `王先生 138 0000 0000` and `13800000000` are one contact.
pub fn contact_keys(contact: &str) -> Vec<String> {
    let separator = |c: char| c.is_whitespace() || ",;，；、/()（）".contains(c);
    let mut keys: Vec<String> = Vec::new();
    let mut rest = String::new();
    for word in contact.split(separator) {
        match word.split_once('@') {
            Some((user, domain)) if !user.is_empty() && domain.contains('.') => {
                keys.push(format!("mail:{}", word.to_lowercase()));
            }
            _ => {
                rest.push_str(word);
                rest.push(' ');
            }
        }
    }
    // Digits run together across spaces, dashes and a leading +: 138 0000 0000,
    // 010-1234-5678, +86 138...; anything else ends a number.
    let mut numbers: Vec<String> = vec![String::new()];
    for c in rest.chars() {
        if c.is_ascii_digit() {
            numbers.last_mut().expect("never empty").push(c);
        } else if !matches!(c, ' ' | '-' | '+') {
            numbers.push(String::new());
        }
    }
    for digits in numbers {
        let national = digits
            .strip_prefix("0086")
            .or_else(|| digits.strip_prefix("86").filter(|d| d.len() == 11))
            .unwrap_or(&digits);
        if national.len() >= 7 {
            keys.push(format!("tel:{national}"));
        }
    }
    keys.sort();
    keys.dedup();
    if keys.is_empty() {
        let text: String = contact.chars().filter(|c| !c.is_whitespace()).collect();
        keys.push(format!("text:{}", text.to_lowercase()));
    }
    keys
}

/// What share links sign, so that no other signature passes for one.
const SHARE_PURPOSE: &str = "share";

/// The share token of a link.
pub fn share_token(key: &SigningKey, link_id: i64, expires_at: i64) -> String {
    let message = format!("{link_id}.{expires_at}");
    format!("{message}.{}", key.sign(SHARE_PURPOSE, &message))
}

/// Why a share link does not open a tour.
#[derive(Debug, PartialEq, Eq)]
pub enum LinkProblem {
    /// Not a link this server signed.
    Forged,
    /// Past its expiry.
    Expired,
    /// Revoked by a promoter.
    Revoked,
}

impl From<LinkProblem> for ApiError {
    fn from(p: LinkProblem) -> Self {
        match p {
            LinkProblem::Forged => ApiError::not_found("no such share link"),
            LinkProblem::Expired => ApiError::new(
                axum::http::StatusCode::GONE,
                "link_expired",
                "this share link has expired; ask for a new one",
            ),
            LinkProblem::Revoked => ApiError::new(
                axum::http::StatusCode::GONE,
                "link_revoked",
                "this share link has been withdrawn",
            ),
        }
    }
}

/// The live share link a token stands for: signed here, in the store,
/// neither revoked nor expired.
pub async fn open_share_link(
    store: &Store,
    key: &SigningKey,
    token: &str,
) -> Result<ShareLinkRecord, ApiError> {
    let (message, signature) = token.rsplit_once('.').ok_or(LinkProblem::Forged)?;
    if !key.verify(SHARE_PURPOSE, message, signature) {
        return Err(LinkProblem::Forged.into());
    }
    let (id, expires) = message.split_once('.').ok_or(LinkProblem::Forged)?;
    let (id, expires): (i64, i64) = (
        id.parse().map_err(|_| LinkProblem::Forged)?,
        expires.parse().map_err(|_| LinkProblem::Forged)?,
    );
    let link = store
        .share_link(id)
        .await?
        .filter(|l| l.expires_at == expires)
        .ok_or(LinkProblem::Forged)?;
    if link.revoked_at.is_some() {
        return Err(LinkProblem::Revoked.into());
    }
    if link.expires_at <= unix_now() as i64 {
        return Err(LinkProblem::Expired.into());
    }
    Ok(link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_normalised() {
        let one = contact_keys("王先生 138 0000 0000");
        assert_eq!(one, ["tel:13800000000"]);
        assert_eq!(contact_keys("13800000000"), one);
        assert_eq!(contact_keys("+86 138-0000-0000"), one);
        assert_eq!(contact_keys("0086 13800000000"), one);
        assert_eq!(contact_keys("Wang@Example.com"), ["mail:wang@example.com"]);
        assert_eq!(
            contact_keys("李 010-1234-5678，li@example.cn"),
            ["mail:li@example.cn", "tel:01012345678"]
        );
        assert_eq!(contact_keys(" 王 先生 "), ["text:王先生"]);
        assert_ne!(contact_keys("13800000001"), one);
    }

    #[test]
    fn a_lead_is_refused_at_any_limit_and_counted_at_none() {
        let limits = LeadLimits::default();
        let office = IpAddr::from([203, 0, 113, 5]);
        let a = contact_keys("13800000000");
        let b = contact_keys("13900000000");
        for _ in 0..3 {
            assert!(limits.take(office, None, &a).is_ok());
        }
        let wait = limits.take(office, None, &a).unwrap_err();
        assert!((590..=600).contains(&wait), "{wait}");
        // Someone else behind the same address is not held up.
        for _ in 0..3 {
            assert!(limits.take(office, None, &b).is_ok());
        }
        // The address's own allowance: 30 in all, refused ones not counted.
        for i in 0..24 {
            let c = contact_keys(&format!("1370000{i:04}"));
            assert!(limits.take(office, None, &c).is_ok(), "{i}");
        }
        let fresh = contact_keys("13600000000");
        assert!(limits.take(office, None, &fresh).is_err());
        // A session is held to five, from any address.
        for i in 0..5u8 {
            let c = contact_keys(&format!("1350000{i:04}"));
            assert!(
                limits
                    .take(IpAddr::from([198, 51, 100, i]), Some("s"), &c)
                    .is_ok()
            );
        }
        assert!(
            limits
                .take(IpAddr::from([198, 51, 100, 9]), Some("s"), &fresh)
                .is_err()
        );
        assert!(
            limits
                .take(IpAddr::from([198, 51, 100, 9]), None, &fresh)
                .is_ok()
        );
    }

    #[test]
    fn sessions_are_signed_and_expire() {
        let key = SigningKey::new(vec![7; 32]);
        let value = session_value(&key, "abc", 1_000);
        assert_eq!(
            session_token_hash(&key, &value, 1_000).as_deref(),
            Some("abc")
        );
        let expired = 1_000 + SESSION_LIFETIME.as_secs();
        assert_eq!(session_token_hash(&key, &value, expired), None);
        // Another hash, a later expiry or another key: refused.
        assert_eq!(
            session_token_hash(&key, &value.replacen("abc", "abd", 1), 1_000),
            None
        );
        let later = value.replacen(".44200.", ".99999999.", 1);
        assert_ne!(later, value);
        assert_eq!(session_token_hash(&key, &later, 1_000), None);
        let other = SigningKey::new(vec![8; 32]);
        assert_eq!(session_token_hash(&other, &value, 1_000), None);
        assert_eq!(session_token_hash(&key, "garbage", 1_000), None);
        assert_eq!(session_token_hash(&key, "a.b.zz", 1_000), None);
    }

    #[test]
    fn signatures_are_bound_to_their_purpose() {
        let key = SigningKey::new(vec![1; 32]);
        let s = key.sign("share", "tour 5");
        assert!(key.verify("share", "tour 5", &s));
        assert!(!key.verify("session", "tour 5", &s));
        assert!(!key.verify("share", "tour 6", &s));
        assert!(!key.verify("share", "tour 5", "é"));
    }

    #[test]
    fn reads_one_cookie_among_many() {
        let header = "a=1; siteatlas_session=x.y.z; b=2";
        assert_eq!(cookie(header, COOKIE_NAME), Some("x.y.z"));
        assert_eq!(cookie(header, "c"), None);
    }

    #[test]
    fn limits_failed_sign_ins_per_address() {
        let limiter = SignInLimiter::default();
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..MAX_FAILURES {
            assert!(limiter.check(a).is_ok());
            limiter.failed(a);
        }
        assert!(limiter.check(a).is_err());
        assert!(limiter.check(b).is_ok());
    }
}
