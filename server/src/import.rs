//! Imports from land departments: `siteatlas import` and `POST /api/import`,
//! all or nothing.
//!
//! [`siteatlas_formats`] reads the file (GeoJSON, GeoJSON Sequence, zipped
//! Shapefile, GeoPackage or boundary-point text file, in any supported
//! coordinate system, with Chinese field names and national codes mapped);
//! every feature is then checked against the layer's model and read back
//! through the loader's own check. A single invalid feature stops the import with a report naming
//! each bad record's number, code and fault; valid input is upserted by code
//! in one transaction. A dry run stops after the report.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;
use siteatlas_formats::{Dataset, Format, FormatError, ReadOptions};
use siteatlas_tiles::LayerKind;
use thiserror::Error;

use crate::features::validate_for_layer;
use crate::store::{NewRow, Store, StoreError, WriteSummary};

/// One invalid feature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureIssue {
    /// 1-based record number in the file (in its layer, for layered formats).
    pub record: usize,
    /// Its code, when it has one.
    pub code: Option<String>,
    /// The field at fault (a model field, `code` or `geometry`), when the reason names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl FeatureIssue {
    /// An issue, its field read from the reason.
    fn new(record: usize, code: Option<String>, reason: String) -> Self {
        Self {
            record,
            code,
            field: field_of(&reason),
            reason,
        }
    }
}

/// The field a reason is about, so that a report can be shown as a table of
/// (feature, field, reason): the model's `property `x`: …`, the field mapping's
/// `land_use: …`, geometry and coordinate faults, duplicate codes.
fn field_of(reason: &str) -> Option<String> {
    if let Some((_, rest)) = reason.split_once("property `") {
        return rest.split_once('`').map(|(field, _)| field.to_owned());
    }
    if reason.starts_with("duplicate code") {
        return Some("code".into());
    }
    let head = reason
        .split(|c: char| c == ':' || c.is_whitespace())
        .next()
        .unwrap_or_default();
    let known = head == "code"
        || LayerKind::ALL
            .iter()
            .any(|layer| layer.spec().field(head).is_some());
    if known {
        return Some(head.to_owned());
    }
    let lower = reason.to_lowercase();
    ["geometry", "coordinate", "ring", "polygon", "point"]
        .iter()
        .any(|word| lower.contains(word))
        .then(|| "geometry".to_owned())
}

impl std::fmt::Display for FeatureIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "record {} (code {code}): {}", self.record, self.reason),
            None => write!(f, "record {}: {}", self.record, self.reason),
        }
    }
}

/// A feature whose geometry was repaired (only when asked).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Repair {
    /// 1-based record number.
    pub record: usize,
    /// Its code, when it has one.
    pub code: Option<String>,
    /// What was done.
    pub repairs: Vec<String>,
}

/// What an import found and did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// Target layer.
    pub layer: LayerKind,
    /// The file's format, as sniffed.
    pub format: &'static str,
    /// The file's coordinate reference system, such as `EPSG:4523`.
    pub crs: String,
    /// The layer read from a layered file (GeoPackage table, Shapefile name).
    pub source_layer: Option<String>,
    /// Features read.
    pub read: usize,
    /// Features that would be written (all of them when there are no issues).
    pub valid: usize,
    /// Repairs made (with `repair`).
    pub repaired: Vec<Repair>,
    /// Every invalid feature; when there is any, nothing is written.
    pub issues: Vec<FeatureIssue>,
    /// Whether this was a dry run (nothing written by design).
    pub dry_run: bool,
    /// Rows inserted, when written.
    pub inserted: usize,
    /// Rows updated, when written.
    pub updated: usize,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} features read ({}, {}{})",
            self.layer,
            self.read,
            self.format,
            self.crs,
            self.source_layer
                .as_ref()
                .map(|l| format!(", layer {l}"))
                .unwrap_or_default()
        )?;
        for r in &self.repaired {
            let code = r
                .code
                .as_deref()
                .map(|c| format!(" (code {c})"))
                .unwrap_or_default();
            write!(
                f,
                "\n  repaired record {}{code}: {}",
                r.record,
                r.repairs.join("; ")
            )?;
        }
        if !self.issues.is_empty() {
            write!(f, "\n{} invalid feature(s):", self.issues.len())?;
            for issue in self.issues.iter().take(50) {
                write!(f, "\n  {issue}")?;
            }
            if self.issues.len() > 50 {
                write!(f, "\n  … and {} more", self.issues.len() - 50)?;
            }
        }
        if self.dry_run {
            write!(
                f,
                "\ndry run: {} valid, {} invalid; nothing written",
                self.valid,
                self.issues.len()
            )
        } else if self.issues.is_empty() {
            write!(f, ", {} inserted, {} updated", self.inserted, self.updated)
        } else {
            write!(f, "\nnothing written")
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
    /// The file as a whole is not something we read (format, CRS, layers).
    #[error(transparent)]
    Format(#[from] FormatError),
    /// Some features are invalid; nothing was written.
    #[error("{0}")]
    Invalid(Box<ImportReport>),
    /// The store refused the write; nothing was written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// How to read the file (format, CRS, field mapping, repair, layer).
    pub read: ReadOptions,
    /// Report only; write nothing.
    pub dry_run: bool,
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::GeoJson => "GeoJSON",
        Format::GeoJsonSeq => "GeoJSON Sequence",
        Format::ShapefileZip => "Shapefile (zip)",
        Format::GeoPackage => "GeoPackage",
        Format::BoundaryPoints => "boundary-point coordinate file (界址点坐标)",
    }
}

fn code_of(feature: &geojson::Feature) -> Option<String> {
    feature
        .properties
        .as_ref()
        .and_then(|p| p.get("code"))
        .filter(|c| !c.is_null())
        .map(|c| {
            c.as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| c.to_string())
        })
}

/// Checks what was read against the layer's model: the rows to write and the report.
pub fn validate(layer: LayerKind, dataset: Dataset, dry_run: bool) -> (ImportReport, Vec<NewRow>) {
    let mut report = ImportReport {
        layer,
        format: format_name(dataset.format),
        crs: dataset.crs.to_string(),
        source_layer: dataset.layer,
        read: dataset.records.len(),
        valid: 0,
        repaired: Vec::new(),
        issues: Vec::new(),
        dry_run,
        inserted: 0,
        updated: 0,
    };
    let mut rows = Vec::with_capacity(dataset.records.len());
    let mut first_record_of_code: HashMap<String, usize> = HashMap::new();
    for record in dataset.records {
        let number = record.number;
        let feature = match record.result {
            Ok(f) => f,
            Err(e) => {
                report
                    .issues
                    .push(FeatureIssue::new(number, e.code, e.reason));
                continue;
            }
        };
        let code = code_of(&feature);
        if !record.repairs.is_empty() {
            report.repaired.push(Repair {
                record: number,
                code: code.clone(),
                repairs: record.repairs,
            });
        }
        match validate_for_layer(layer, &feature) {
            Ok((code, row)) => {
                if let Some(first) = first_record_of_code.insert(code.clone(), number) {
                    report.issues.push(FeatureIssue::new(
                        number,
                        Some(code),
                        format!("duplicate code: record {first} has it too"),
                    ));
                } else {
                    rows.push(row);
                }
            }
            Err(reason) => report.issues.push(FeatureIssue::new(number, code, reason)),
        }
    }
    report.valid = rows.len();
    (report, rows)
}

/// Reads a file from disk.
pub fn read_file(path: &Path, options: &ReadOptions) -> Result<Dataset, ImportError> {
    siteatlas_formats::read_path(path, options).map_err(|e| match e {
        FormatError::Io(source) => ImportError::Read {
            path: path.display().to_string(),
            source,
        },
        other => ImportError::Format(other),
    })
}

/// Validates a dataset and, unless it is a dry run or anything is invalid,
/// writes it in one transaction through `write`.
pub async fn import_dataset<F, Fut>(
    layer: LayerKind,
    dataset: Dataset,
    dry_run: bool,
    write: F,
) -> Result<ImportReport, ImportError>
where
    F: FnOnce(Vec<NewRow>) -> Fut,
    Fut: Future<Output = Result<WriteSummary, StoreError>>,
{
    let (mut report, rows) = tokio::task::block_in_place(|| validate(layer, dataset, dry_run));
    if !report.issues.is_empty() {
        return Err(ImportError::Invalid(Box::new(report)));
    }
    if dry_run {
        return Ok(report);
    }
    let summary = write(rows).await?;
    report.inserted = summary.inserted;
    report.updated = summary.updated;
    Ok(report)
}

/// Imports one file into one layer of a store (the command line).
pub async fn import_file(
    store: &Store,
    layer: LayerKind,
    path: &Path,
    options: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    let dataset = {
        let (path, read) = (path.to_owned(), options.read.clone());
        tokio::task::spawn_blocking(move || read_file(&path, &read))
            .await
            .expect("reading task panicked")?
    };
    import_dataset(layer, dataset, options.dry_run, |rows| async move {
        let mut summaries = store.upsert(&[(layer, rows)]).await?;
        Ok(summaries.pop().unwrap_or_default())
    })
    .await
}

/// Imports several layers in one transaction (the demo data).
pub async fn import_texts(
    store: &Store,
    inputs: &[(LayerKind, &str)],
) -> Result<Vec<WriteSummary>, ImportError> {
    let mut batches = Vec::new();
    for (layer, text) in inputs {
        let dataset = siteatlas_formats::read(text.as_bytes(), &ReadOptions::default())?;
        let (report, rows) = validate(*layer, dataset, false);
        if !report.issues.is_empty() {
            return Err(ImportError::Invalid(Box::new(report)));
        }
        batches.push((*layer, rows));
    }
    Ok(store.upsert(&batches).await?)
}

/// The column names the layer's schema lists for its fields, for
/// [`siteatlas_formats::FieldMapping::with_names`].
pub fn import_names(layer: LayerKind) -> impl Iterator<Item = (&'static str, &'static str)> {
    layer
        .spec()
        .fields
        .iter()
        .filter(|f| !f.derived)
        .flat_map(|f| f.import_names.iter().map(move |name| (*name, f.name)))
}

/// The words the layer's schema gives its choices in Chinese and English
/// (甲级, Grade A), each with the choice it means, for
/// [`siteatlas_formats::FieldMapping::with_values`].
pub fn import_values(
    layer: LayerKind,
) -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    layer.spec().fields.iter().flat_map(|f| {
        f.choices
            .iter()
            .zip(f.choice_labels_zh)
            .chain(f.choices.iter().zip(f.choice_labels_en))
            .map(move |(choice, label)| (f.name, *label, *choice))
    })
}

/// The mapping of department files for a layer: `base` (the built-in names, or
/// a mapping file's) with the layer's own column names and choice words.
pub fn layer_mapping(
    base: siteatlas_formats::FieldMapping,
    layer: LayerKind,
) -> siteatlas_formats::FieldMapping {
    base.with_names(import_names(layer))
        .with_values(import_values(layer))
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
            (LayerKind::Offices, demo::OFFICES),
        ],
    )
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_bad_feature_and_duplicates() {
        let text = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"code":"P1","kind":"highway_exit","name":"a"},"geometry":{"type":"Point","coordinates":[104,30]}},
 {"type":"Feature","properties":{"code":"P2","kind":"volcano","name":"b"},"geometry":{"type":"Point","coordinates":[104,30]}},
 {"type":"Feature","properties":{"code":"P1","kind":"port","name":"c"},"geometry":{"type":"Point","coordinates":[104,30]}},
 {"type":"Feature","properties":{"code":"P4","kind":"port","name":"d"},"geometry":{"type":"Point","coordinates":[104,95]}}
]}"#;
        let dataset = siteatlas_formats::read(text.as_bytes(), &ReadOptions::default()).unwrap();
        let (report, rows) = validate(LayerKind::Pois, dataset, false);
        assert_eq!(rows.len(), 1);
        let summary: Vec<(usize, Option<&str>)> = report
            .issues
            .iter()
            .map(|i| (i.record, i.code.as_deref()))
            .collect();
        assert_eq!(
            summary,
            vec![(2, Some("P2")), (3, Some("P1")), (4, Some("P4"))]
        );
        assert!(report.issues[0].reason.contains("volcano"));
        let fields: Vec<Option<&str>> = report.issues.iter().map(|i| i.field.as_deref()).collect();
        assert_eq!(fields, vec![Some("kind"), Some("code"), Some("geometry")]);
        assert!(report.issues[1].reason.contains("duplicate"));
        assert!(
            report.issues[2].reason.contains("latitude"),
            "{}",
            report.issues[2]
        );
        assert!(report.to_string().contains("nothing written"));
    }
}
