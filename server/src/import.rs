//! `siteatlas import`: GeoJSON into the store, all or nothing.
//!
//! The whole input is read and validated before anything is written; a
//! single invalid feature stops the import with a report naming each bad
//! feature's index, code and fault. Valid input is upserted by code in one
//! transaction.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use siteatlas_tiles::LayerKind;
use thiserror::Error;

use crate::features::validate_for_layer;
use crate::store::{NewRow, Store, StoreError, WriteSummary};

/// One invalid feature.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureIssue {
    /// 0-based position in the input.
    pub index: usize,
    /// Its code, when it has one.
    pub code: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for FeatureIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "feature {} (code {code}): {}", self.index, self.reason),
            None => write!(f, "feature {}: {}", self.index, self.reason),
        }
    }
}

/// Why an import wrote nothing.
#[derive(Debug, Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The input is not GeoJSON features.
    #[error("not a GeoJSON FeatureCollection or GeoJSON Sequence: {0}")]
    NotGeoJson(String),
    /// Some features are invalid; nothing was written.
    #[error("{} invalid feature(s), nothing written:\n{}", .0.len(), .0.iter().take(50).map(|i| format!("  {i}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<FeatureIssue>),
    /// The store refused the write; nothing was written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Parses GeoJSON text: a FeatureCollection, a single Feature, or a GeoJSON
/// Sequence (one feature per line, RFC 8142 record separators allowed).
/// A line that is not a feature is reported with its index.
pub fn parse_features(
    reader: impl Read,
) -> Result<Vec<Result<geojson::Feature, String>>, ImportError> {
    let mut reader = BufReader::new(reader);
    let mut first = String::new();
    // Read lines until one holds something, to tell the two forms apart.
    let mut head = Vec::new();
    loop {
        first.clear();
        let n = reader
            .read_line(&mut first)
            .map_err(|e| ImportError::NotGeoJson(e.to_string()))?;
        head.push(first.clone());
        if n == 0 || !first.trim().is_empty() {
            break;
        }
    }
    let trimmed = first.trim().trim_start_matches('\u{1e}');
    let one_line_feature = serde_json::from_str::<serde_json::Value>(trimmed)
        .ok()
        .filter(|v| v.get("type").and_then(|t| t.as_str()) == Some("Feature"));
    if let Some(value) = one_line_feature {
        let mut features =
            vec![serde_json::from_value(value).map_err(|e: serde_json::Error| e.to_string())];
        for line in reader.lines() {
            let line = line.map_err(|e| ImportError::NotGeoJson(e.to_string()))?;
            let line = line.trim().trim_start_matches('\u{1e}');
            if line.is_empty() {
                continue;
            }
            features
                .push(serde_json::from_str::<geojson::Feature>(line).map_err(|e| e.to_string()));
        }
        return Ok(features);
    }
    let mut rest = String::new();
    reader
        .read_to_string(&mut rest)
        .map_err(|e| ImportError::NotGeoJson(e.to_string()))?;
    let text = head.concat() + &rest;
    match text
        .parse::<geojson::GeoJson>()
        .map_err(|e| ImportError::NotGeoJson(e.to_string()))?
    {
        geojson::GeoJson::FeatureCollection(fc) => Ok(fc.features.into_iter().map(Ok).collect()),
        geojson::GeoJson::Feature(f) => Ok(vec![Ok(f)]),
        geojson::GeoJson::Geometry(_) => Err(ImportError::NotGeoJson(
            "a bare geometry has no properties; give Features".into(),
        )),
    }
}

/// Validates features for a layer: the rows to write, or every issue found.
pub fn validate(
    layer: LayerKind,
    features: Vec<Result<geojson::Feature, String>>,
    progress: &ProgressBar,
) -> Result<Vec<NewRow>, ImportError> {
    let mut rows = Vec::with_capacity(features.len());
    let mut issues = Vec::new();
    let mut first_index_of_code: HashMap<String, usize> = HashMap::new();
    for (index, parsed) in features.into_iter().enumerate() {
        progress.inc(1);
        let feature = match parsed {
            Ok(f) => f,
            Err(reason) => {
                issues.push(FeatureIssue {
                    index,
                    code: None,
                    reason: format!("not a GeoJSON feature: {reason}"),
                });
                continue;
            }
        };
        let code = feature
            .properties
            .as_ref()
            .and_then(|p| p.get("code"))
            .map(|c| {
                c.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| c.to_string())
            });
        match validate_for_layer(layer, &feature) {
            Ok((code, row)) => {
                if let Some(first) = first_index_of_code.insert(code.clone(), index) {
                    issues.push(FeatureIssue {
                        index,
                        code: Some(code),
                        reason: format!("duplicate code: feature {first} has it too"),
                    });
                } else {
                    rows.push(row);
                }
            }
            Err(e) => issues.push(FeatureIssue {
                index,
                code,
                reason: e.to_string(),
            }),
        }
    }
    if issues.is_empty() {
        Ok(rows)
    } else {
        Err(ImportError::Invalid(issues))
    }
}

/// Imports several layers in one transaction (the demo data).
pub async fn import_texts(
    store: &Store,
    inputs: &[(LayerKind, &str)],
) -> Result<Vec<WriteSummary>, ImportError> {
    let mut batches = Vec::new();
    for (layer, text) in inputs {
        let features = parse_features(text.as_bytes())?;
        batches.push((*layer, validate(*layer, features, &ProgressBar::hidden())?));
    }
    Ok(store.upsert(&batches).await?)
}

/// Imports one file into one layer; returns (features read, write summary).
pub async fn import_file(
    store: &Store,
    layer: LayerKind,
    path: &Path,
) -> Result<(usize, WriteSummary), ImportError> {
    let file = std::fs::File::open(path).map_err(|source| ImportError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let features = parse_features(file)?;
    let read = features.len();
    let progress = ProgressBar::new(read as u64);
    progress.set_style(
        ProgressStyle::with_template("{prefix} {bar:40} {pos}/{len} validated")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    progress.set_prefix(layer.as_str());
    let rows = validate(layer, features, &progress);
    progress.finish_and_clear();
    let rows = rows?;
    let mut summaries = store.upsert(&[(layer, rows)]).await?;
    Ok((read, summaries.pop().unwrap_or_default()))
}

/// Fills an empty store with the demo areas; returns whether it did.
pub async fn seed_demo(store: &Store) -> Result<bool, ImportError> {
    for layer in LayerKind::ALL {
        if store.count(layer).await? > 0 {
            return Ok(false);
        }
    }
    use siteatlas_fixtures::demo;
    import_texts(
        store,
        &[
            (LayerKind::Parks, demo::PARKS),
            (LayerKind::Plots, demo::PLOTS),
            (LayerKind::Factories, demo::FACTORIES),
            (LayerKind::Pois, demo::POIS),
        ],
    )
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sequences_and_collections() {
        let seq = "\u{1e}{\"type\":\"Feature\",\"properties\":{\"code\":\"A\"},\"geometry\":null}\n\n{\"type\":\"Feature\",\"properties\":{},\"geometry\":null}\nnot json\n";
        let parsed = parse_features(seq.as_bytes()).unwrap();
        assert_eq!(parsed.len(), 3);
        assert!(parsed[0].is_ok() && parsed[1].is_ok() && parsed[2].is_err());
        let fc = "{\n \"type\": \"FeatureCollection\",\n \"features\": [{\"type\":\"Feature\",\"properties\":null,\"geometry\":null}]\n}";
        assert_eq!(parse_features(fc.as_bytes()).unwrap().len(), 1);
        assert!(parse_features("[1,2]".as_bytes()).is_err());
    }

    #[test]
    fn reports_every_bad_feature_and_duplicates() {
        let text = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"code":"P1","kind":"highway_exit","name":"a"},"geometry":{"type":"Point","coordinates":[104,30]}},
 {"type":"Feature","properties":{"code":"P2","kind":"volcano","name":"b"},"geometry":{"type":"Point","coordinates":[104,30]}},
 {"type":"Feature","properties":{"code":"P1","kind":"port","name":"c"},"geometry":{"type":"Point","coordinates":[104,30]}},
 {"type":"Feature","properties":{"code":"P4","kind":"port","name":"d"},"geometry":{"type":"Point","coordinates":[104,95]}}
]}"#;
        let features = parse_features(text.as_bytes()).unwrap();
        let Err(ImportError::Invalid(issues)) =
            validate(LayerKind::Pois, features, &ProgressBar::hidden())
        else {
            panic!("invalid input accepted");
        };
        let summary: Vec<(usize, Option<&str>)> = issues
            .iter()
            .map(|i| (i.index, i.code.as_deref()))
            .collect();
        assert_eq!(
            summary,
            vec![(1, Some("P2")), (2, Some("P1")), (3, Some("P4"))]
        );
        assert!(issues[0].reason.contains("volcano"));
        assert!(issues[1].reason.contains("duplicate"));
        assert!(issues[2].reason.contains("latitude"));
    }
}
