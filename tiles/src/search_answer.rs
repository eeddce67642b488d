//! Search answers as GeoJSON text: a `FeatureCollection` of the hits of a
//! [`SearchQuery`], with OGC API - Features' `numberMatched` and
//! `numberReturned`, written straight from the index.
//!
//! A page can hold a thousand features, and an answer of ids and distances
//! only is what a client listing results asks for most; both are written
//! without an intermediate JSON tree. The digits go through `itoa`; a
//! distance is written from integer centimetres, since the float printer
//! was a tenth of a compact answer's cost.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::atlas::Atlas;
use crate::error::SearchError;
use crate::geojson_io::{properties, write_geojson};
use crate::index::LayerIndex;
use crate::model::{Attributes, Feature};
use crate::search::{SearchHit, SearchQuery};

/// What of each feature an answer carries: OGC API - Features' `properties`
/// (a comma list; empty for none) and `skipGeometry`. A client that lists
/// results or draws them from its tiles asks for a few properties and no
/// geometry, and gets an answer a tenth the size, written without building
/// the feature's full property map.
#[derive(Debug, Default)]
pub struct Selection {
    /// Property names in the order wanted; `None` for all of them.
    pub properties: Option<Vec<String>>,
    /// Answer `"geometry": null`.
    pub skip_geometry: bool,
}

impl Selection {
    /// Reads `properties` and `skipGeometry` from flat parameters.
    pub fn from_params(params: &BTreeMap<String, String>) -> Result<Self, SearchError> {
        let properties = params.get("properties").map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect()
        });
        let skip_geometry = match params.get("skipGeometry").map(|v| v.trim()) {
            None | Some("") | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(SearchError::new(
                    "skipGeometry",
                    format!("`{other}` is neither true nor false"),
                ));
            }
        };
        Ok(Self {
            properties,
            skip_geometry,
        })
    }
}

/// Distances are given to the centimetre.
fn rounded_distance(metres: f64) -> f64 {
    (metres * 100.0).round() / 100.0
}

/// Writes into a slice that is known to be large enough: the numbers and
/// frames of an answer are short, and a capacity check per byte, or a copy
/// call per piece, cost more than the digits themselves. A compact answer
/// is written through one cursor straight into the answer's buffer; other
/// numbers through one over a small array on the stack.
struct Cursor<'a> {
    bytes: &'a mut [u8],
    len: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn new(bytes: &'a mut [u8]) -> Self {
        Self { bytes, len: 0 }
    }

    fn written(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    #[inline]
    fn text(&mut self, text: &[u8]) {
        self.bytes[self.len..self.len + text.len()].copy_from_slice(text);
        self.len += text.len();
    }

    #[inline]
    fn byte(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    /// Writes the decimal digits of `value` (at most 20).
    #[inline]
    fn digits(&mut self, value: u64) {
        self.text(itoa::Buffer::new().format(value).as_bytes());
    }

    /// Writes a distance to the centimetre as JSON (at most 24 bytes), as
    /// `serde_json` writes [`rounded_distance`] (shortest form, at least one
    /// decimal) but from integer centimetres: the float printer was a tenth
    /// of a compact answer's cost. False, with nothing written, for a
    /// distance beyond 2^53 cm, where integers lose their meaning (the
    /// API's radius is far below).
    #[inline]
    fn distance(&mut self, metres: f64) -> bool {
        let centimetres = metres * 100.0;
        if !(0.0..9.0e15).contains(&centimetres) {
            return false;
        }
        // `f64::round` for a non-negative float below 2^53, without its
        // library call: the truncation and the fraction are both exact.
        let whole = centimetres as u64;
        let centimetres = whole + u64::from(centimetres - whole as f64 >= 0.5);
        let (whole, cents) = (centimetres / 100, centimetres % 100);
        self.digits(whole);
        self.byte(b'.');
        self.byte(b'0' + (cents / 10) as u8);
        if cents % 10 != 0 {
            self.byte(b'0' + (cents % 10) as u8);
        }
        true
    }
}

/// Room for a number (see [`Cursor::digits`], [`Cursor::distance`]).
const NUMBER_ROOM: usize = 32;

/// Appends the decimal digits of `value`.
fn push_digits(body: &mut Vec<u8>, value: u64) {
    body.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// Where a hit is written (see [`write_feature`]): the answer itself, or a
/// [`Cursor`] over room made for it in the answer.
trait Sink {
    fn len(&self) -> usize;
    fn truncate(&mut self, len: usize);
    fn text(&mut self, text: &[u8]);
    fn digits(&mut self, value: u64);
    /// Writes a distance to the centimetre (see [`Cursor::distance`]);
    /// false, with nothing written, if this sink cannot hold it.
    fn distance(&mut self, metres: f64) -> bool;
}

impl Sink for Vec<u8> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn truncate(&mut self, len: usize) {
        Vec::truncate(self, len)
    }
    fn text(&mut self, text: &[u8]) {
        self.extend_from_slice(text)
    }
    fn digits(&mut self, value: u64) {
        push_digits(self, value)
    }
    fn distance(&mut self, metres: f64) -> bool {
        let mut room = [0; NUMBER_ROOM];
        let mut number = Cursor::new(&mut room);
        match number.distance(metres) {
            true => {
                self.extend_from_slice(number.written());
                true
            }
            // Beyond 2^53 cm: written as the float it is.
            false => push_json(self, &rounded_distance(metres)),
        }
    }
}

impl Sink for Cursor<'_> {
    fn len(&self) -> usize {
        self.len
    }
    fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len)
    }
    fn text(&mut self, text: &[u8]) {
        Cursor::text(self, text)
    }
    fn digits(&mut self, value: u64) {
        Cursor::digits(self, value)
    }
    fn distance(&mut self, metres: f64) -> bool {
        Cursor::distance(self, metres)
    }
}

/// Writes a hit as a GeoJSON feature with the properties `names` (their keys
/// escaped beforehand, in `keys`) that it has: `geometry` writes the
/// geometry's value; the id and the distance are written here; `other`
/// writes any other property and says whether the feature has it. A
/// distance is left out without a circle. False if the sink could not hold
/// a distance.
fn write_feature<S: Sink>(
    out: &mut S,
    id: u64,
    distance_m: Option<f64>,
    names: &[String],
    keys: &[Vec<u8>],
    geometry: impl FnOnce(&mut S),
    mut other: impl FnMut(&mut S, &str) -> bool,
) -> bool {
    out.text(br#"{"type":"Feature","id":"#);
    out.digits(id);
    out.text(br#","geometry":"#);
    geometry(out);
    out.text(br#","properties":{"#);
    let mut first = true;
    for (name, key) in names.iter().zip(keys) {
        let before = out.len();
        if !first {
            out.text(b",");
        }
        out.text(key);
        let written = match name.as_str() {
            "distance_m" => match distance_m {
                Some(d) if !out.distance(d) => return false,
                Some(_) => true,
                None => false,
            },
            "id" => {
                out.digits(id);
                true
            }
            other_name => other(out, other_name),
        };
        if written {
            first = false;
        } else {
            out.truncate(before);
        }
    }
    out.text(b"}}");
    true
}

/// The longest a feature of ids and distances only can be, bytes, with
/// these property keys, and the comma before it.
fn compact_bound(keys: &[Vec<u8>]) -> usize {
    const FRAME: usize = r#",{"type":"Feature","id":,"geometry":null,"properties":{}}"#.len();
    FRAME + 20 + keys.iter().map(|key| 1 + key.len() + 24).sum::<usize>()
}

/// The largest [`compact_bound`] written by [`write_compact_hits`]: a few
/// properties. A list that repeats `id` a thousand times takes the general
/// writer rather than room for a thousand of them a hit.
const COMPACT_MAX: usize = 256;

/// Writes features of ids and distances only, `"geometry": null`, as
/// [`write_hit`] does, straight into room made for them at the end of the
/// answer: no copy, and no capacity check per piece. `first` says whether
/// the first of them is the answer's first feature (no comma before it).
/// Stops before a hit whose distance is out of [`Cursor::distance`]'s
/// range; returns how many hits were written.
fn write_compact_hits(
    body: &mut Vec<u8>,
    hits: &[SearchHit],
    first: bool,
    names: &[String],
    keys: &[Vec<u8>],
) -> usize {
    let start = body.len();
    body.resize(start + hits.len() * compact_bound(keys), 0);
    let mut out = Cursor::new(&mut body[start..]);
    let mut written = 0;
    let null = |out: &mut Cursor| out.text(b"null");
    for hit in hits {
        let before = out.len;
        if written > 0 || !first {
            out.byte(b',');
        }
        if !write_feature(
            &mut out,
            hit.id,
            hit.distance_m,
            names,
            keys,
            null,
            |_, _| false,
        ) {
            out.len = before;
            break;
        }
        written += 1;
    }
    let end = start + out.len;
    body.truncate(end);
    written
}

impl Selection {
    /// Whether the answer needs more of a feature than its id and distance.
    fn reads_features(&self) -> bool {
        match &self.properties {
            None => true,
            Some(names) => {
                !self.skip_geometry || names.iter().any(|n| n != "distance_m" && n != "id")
            }
        }
    }
}

/// Appends `value` as JSON, without an intermediate value or `fmt`. The
/// values written here (strings, numbers, JSON values, geometries) always
/// serialise; false if one did not, with what it wrote left for the caller
/// to drop.
fn push_json<T: serde::Serialize + ?Sized>(body: &mut Vec<u8>, value: &T) -> bool {
    serde_json::to_writer(&mut *body, value).is_ok()
}

/// Appends one feature of an answer as GeoJSON text. `feature` is `None`
/// when the selection needs only the id and the distance (see
/// [`Selection::reads_features`]). False, with nothing written, if the
/// feature could not be written.
fn write_hit<A: Attributes>(
    body: &mut Vec<u8>,
    id: u64,
    feature: Option<&Feature<A>>,
    distance_m: Option<f64>,
    selection: &Selection,
    keys: &[Vec<u8>],
) -> bool {
    let start = body.len();
    let written = write_hit_text(body, id, feature, distance_m, selection, keys);
    if !written {
        body.truncate(start);
    }
    written
}

/// [`write_hit`], leaving what it wrote when it fails.
fn write_hit_text<A: Attributes>(
    body: &mut Vec<u8>,
    id: u64,
    feature: Option<&Feature<A>>,
    distance_m: Option<f64>,
    selection: &Selection,
    keys: &[Vec<u8>],
) -> bool {
    let Some(names) = &selection.properties else {
        let additional: &[(&str, Value)] = match distance_m {
            Some(d) => &[("distance_m", Value::from(rounded_distance(d)))],
            None => &[],
        };
        // Every property asked: the caller has read the feature.
        return feature.is_some_and(|feature| {
            write_geojson(body, feature, !selection.skip_geometry, additional).is_ok()
        });
    };
    let mut fine = true;
    let geometry = |body: &mut Vec<u8>| match feature {
        Some(f) if !selection.skip_geometry => {
            fine &= push_json(body, &geojson::Geometry::from(&f.shape))
        }
        _ => body.extend_from_slice(b"null"),
    };
    // The common fields and the distance are written directly; the full
    // property map is built only when an attribute is asked for.
    let mut all = None;
    let mut properties_fine = true;
    let written = write_feature(body, id, distance_m, names, keys, geometry, |body, name| {
        let Some(f) = feature else {
            return false;
        };
        properties_fine &= match name {
            "code" => push_json(body, &f.code),
            "version" => push_json(body, &f.version),
            other => match all.get_or_insert_with(|| properties(f)).get(other) {
                Some(v) => push_json(body, v),
                None => return false,
            },
        };
        true
    });
    written && fine && properties_fine
}

/// Each property name as a JSON object key, `"name":`, escaped once per answer.
fn json_keys(selection: &Selection) -> Vec<Vec<u8>> {
    let names = selection.properties.as_deref().unwrap_or_default();
    names
        .iter()
        .map(|name| {
            let mut key = Vec::with_capacity(name.len() + 3);
            push_json(&mut key, name.as_str());
            key.push(b':');
            key
        })
        .collect()
}

/// Room for what follows the features of an answer: its counts.
const ANSWER_TAIL_ROOM: usize = r#"],"numberMatched":,"numberReturned":}"#.len() + 2 * 20;

/// Writes the hits of one layer; returns how many were written (all of them
/// unless one could not be, which [`write_hit`] rules out in practice).
fn write_hits<A: Attributes>(
    body: &mut Vec<u8>,
    index: &LayerIndex<A>,
    hits: &[SearchHit],
    selection: &Selection,
) -> usize {
    let reads_features = selection.reads_features();
    let keys = json_keys(selection);
    // An answer of ids and distances only: written in runs straight into
    // the answer, each hit the compact writer cannot take by the general one.
    let names = selection.properties.as_deref().unwrap_or_default();
    let compact = !reads_features && compact_bound(&keys) <= COMPACT_MAX;
    // Room for every feature up front: growing a large answer copies it.
    let per_feature = match reads_features {
        false => compact_bound(&keys),
        true => 700,
    };
    body.reserve(hits.len() * per_feature + ANSWER_TAIL_ROOM);
    let mut returned = 0;
    let mut rest = hits;
    while let Some((hit, after)) = rest.split_first() {
        if compact {
            let written = write_compact_hits(body, rest, returned == 0, names, &keys);
            if written > 0 {
                returned += written;
                rest = &rest[written..];
                continue;
            }
        }
        let before = body.len();
        if returned > 0 {
            body.push(b',');
        }
        // The hits come from the same read of the atlas: every slot is filled.
        let feature = match reads_features {
            true => match index.entry_of(hit.slot) {
                Some(entry) => Some(&*entry.feature),
                None => {
                    debug_assert!(false, "a hit's slot is empty");
                    body.truncate(before);
                    rest = after;
                    continue;
                }
            },
            false => None,
        };
        match write_hit(body, hit.id, feature, hit.distance_m, selection, &keys) {
            true => returned += 1,
            false => body.truncate(before),
        }
        rest = after;
    }
    returned
}

/// Runs a search and writes its answer: a GeoJSON `FeatureCollection` of
/// the page's hits as `selection` asks, with `numberMatched` (every match)
/// and `numberReturned` (this page).
pub fn write_answer(
    atlas: &Atlas,
    query: &SearchQuery,
    selection: &Selection,
) -> Result<Vec<u8>, SearchError> {
    let page = atlas.search(query)?;
    let mut body = Vec::new();
    body.extend_from_slice(b"{\"type\":\"FeatureCollection\",\"features\":[");
    let returned = crate::with_layer_index!(atlas, query.layer, |index| write_hits(
        &mut body, index, &page.hits, selection
    ));
    body.extend_from_slice(b"],\"numberMatched\":");
    push_digits(&mut body, page.total as u64);
    body.extend_from_slice(b",\"numberReturned\":");
    push_digits(&mut body, returned as u64);
    body.push(b'}');
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LayerKind, Shape};

    #[test]
    fn distances_are_written_as_serde_json_writes_them_rounded() {
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut samples = vec![
            0.0, 0.004, 0.005, 0.1, 1.0, 9.995, 10.0, 99.99, 170.5, 4999.999,
        ];
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            samples.push((state >> 11) as f64 / (1u64 << 53) as f64 * 100_000.0);
        }
        for metres in samples {
            let mut ours = Vec::new();
            assert!(Sink::distance(&mut ours, metres));
            let expected = serde_json::to_vec(&rounded_distance(metres)).unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(expected).unwrap(),
                "{metres}"
            );
        }
    }

    #[test]
    fn integers_are_written_in_decimal() {
        let mut values = vec![0, 1, 9, 10, 99, 100, u64::MAX, u64::MAX - 1];
        for power in 1..20 {
            let p = 10u64.pow(power);
            values.extend([p - 1, p, p + 1, p.saturating_mul(3).saturating_add(7)]);
        }
        for value in values {
            let mut ours = Vec::new();
            push_digits(&mut ours, value);
            assert_eq!(String::from_utf8(ours).unwrap(), value.to_string());
        }
    }

    #[test]
    fn compact_features_are_written_as_the_general_writer_writes_them() {
        use crate::{PoiAttrs, PoiKind};
        // Real hits of a one-point layer, given other ids and distances:
        // the writers read no feature for ids and distances.
        let mut atlas = Atlas::default();
        let attrs = PoiAttrs {
            kind: PoiKind::HighwayExit,
            name: "exit".into(),
        };
        let point = Shape::point(104.0, 30.0).unwrap();
        atlas
            .pois
            .upsert(Feature::new(1, "P1", point, attrs).unwrap());
        let hit = atlas
            .search(&SearchQuery::new(LayerKind::Pois))
            .unwrap()
            .hits[0];
        let hits: Vec<SearchHit> = [
            (0, Some(0.0)),
            (7, None),
            (u64::MAX, Some(4_999.996)),
            (99, Some(1.0e20)),
            (123_456, Some(12.3)),
            (5, Some(1.0e20)),
            (1, Some(0.5)),
        ]
        .into_iter()
        .map(|(id, distance_m)| SearchHit {
            id,
            distance_m,
            ..hit
        })
        .collect();
        let lists: [&[&str]; 7] = [
            &["distance_m"],
            &["id", "distance_m"],
            &["distance_m", "id"],
            &["id"],
            &[],
            &["distance_m", "distance_m", "id"],
            &["id"; 20],
        ];
        for names in lists {
            let selection = Selection {
                properties: Some(names.iter().map(|n| n.to_string()).collect()),
                skip_geometry: true,
            };
            assert!(!selection.reads_features());
            let keys = json_keys(&selection);
            assert_eq!(compact_bound(&keys) <= COMPACT_MAX, names.len() < 20);
            // Every run of hits, from every start: the runs stop before
            // the distances out of the compact writer's range.
            for start in 0..hits.len() {
                let run = &hits[start..];
                let mut general = Vec::new();
                for (i, hit) in run.iter().enumerate() {
                    if i > 0 {
                        general.push(b',');
                    }
                    assert!(write_hit::<PoiAttrs>(
                        &mut general,
                        hit.id,
                        None,
                        hit.distance_m,
                        &selection,
                        &keys,
                    ));
                }
                let mut ours = b"[".to_vec();
                assert_eq!(
                    write_hits(&mut ours, &atlas.pois, run, &selection),
                    run.len()
                );
                ours.push(b']');
                let general = format!("[{}]", String::from_utf8(general).unwrap());
                assert_eq!(String::from_utf8(ours).unwrap(), general, "{names:?}");
                serde_json::from_str::<Value>(&general).unwrap();
                if compact_bound(&keys) <= COMPACT_MAX {
                    let mut compact = Vec::new();
                    let written =
                        write_compact_hits(&mut compact, run, true, names_of(&selection), &keys);
                    let expected = run.iter().take_while(|h| h.distance_m != Some(1.0e20));
                    let uses_distance = names.contains(&"distance_m");
                    match uses_distance {
                        true => assert_eq!(written, expected.count()),
                        false => assert_eq!(written, run.len()),
                    }
                }
            }
        }
    }

    fn names_of(selection: &Selection) -> &[String] {
        selection.properties.as_deref().unwrap()
    }
}
