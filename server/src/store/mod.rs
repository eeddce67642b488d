//! The store of record: PostGIS in production, an embedded SQLite file when
//! no database is configured.
//!
//! Both keep one table per layer with the same columns: `id`, `code`
//! (unique business key), `version`, `updated_at`, the geometry and `props`
//! (the feature's properties as JSON). Table names come only from
//! [`LayerKind`], never from input; every value is bound as a parameter.

mod error;

/// Runs the same query code on the store's pool, SQLite or PostgreSQL.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            Store::Sqlite(s) => {
                let $pool = &s.pool;
                $body
            }
            Store::Postgres(s) => {
                let $pool = &s.pool;
                $body
            }
        }
    };
}

mod chat;
mod leads;
mod media;
mod postgres;
mod projects;
mod sqlite;

use std::path::Path;

use siteatlas_tiles::LayerKind;

pub use chat::{ChatRecord, NewChatMessage};
pub use error::{QueryContext, StoreError};
pub use leads::{LeadCredit, LeadEvent, LeadRecord, NewLead};
pub use media::{
    DeletedPanorama, HotspotRecord, NewPanorama, PanoramaChange, PanoramaRecord, PanoramaStatus,
    ShareLinkRecord, TourRecord, UsageRow,
};
pub use postgres::{CHANGES_CHANNEL, PostgresStore};
pub use projects::{
    NewProject, PartnerRecord, ProjectEvent, ProjectRecord, ProjectSite, ProjectUpdate, StageRecord,
};
pub use sqlite::SqliteStore;

/// Rows are handed over in chunks of this many while a layer loads.
pub const LOAD_CHUNK: usize = 20_000;

/// Reads a layer's rows from `rows` (as `read` makes them) and hands them
/// on `chunk_size` at a time, so that a large layer is parsed while later
/// rows are still arriving.
async fn read_in_chunks<R>(
    mut rows: impl futures_util::Stream<Item = Result<R, sqlx::Error>> + Unpin,
    read: fn(R) -> Result<StoredRow, sqlx::Error>,
    layer: LayerKind,
    chunk_size: usize,
    mut on_chunk: impl FnMut(Vec<StoredRow>),
) -> Result<(), StoreError> {
    use futures_util::TryStreamExt;
    let mut chunk = Vec::new();
    while let Some(r) = rows.try_next().await.doing(|| format!("loading {layer}"))? {
        chunk.push(read(r).doing(|| format!("reading a row of {layer}"))?);
        if chunk.len() >= chunk_size {
            on_chunk(std::mem::take(&mut chunk));
        }
    }
    if !chunk.is_empty() {
        on_chunk(chunk);
    }
    Ok(())
}

/// A feature row as stored, before it becomes a typed feature.
#[derive(Debug, Clone)]
pub struct StoredRow {
    /// Row id (the feature id).
    pub id: i64,
    /// Business key.
    pub code: String,
    /// Write counter.
    pub version: i64,
    /// Last write, RFC 3339.
    pub updated_at: String,
    /// Geometry as the store returns it.
    pub geometry: StoredGeometry,
    /// Properties as JSON text (without id, code, version, updated_at).
    pub props: String,
}

/// A geometry as read from a store.
#[derive(Debug, Clone)]
pub enum StoredGeometry {
    /// GeoJSON text (SQLite).
    GeoJson(String),
    /// Well-Known Binary (PostGIS): far cheaper to produce and read in bulk.
    Wkb(Vec<u8>),
}

/// A feature to insert or update by code.
#[derive(Debug, Clone)]
pub struct NewRow {
    /// Business key.
    pub code: String,
    /// Geometry as GeoJSON text.
    pub geometry: String,
    /// Properties as JSON text.
    pub props: String,
}

/// What one write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// Rows inserted.
    pub inserted: usize,
    /// Rows updated.
    pub updated: usize,
    /// Ids of all rows written.
    pub ids: Vec<i64>,
}

/// An API token as stored (never the token itself).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    /// Row id.
    pub id: i64,
    /// Who or what holds it.
    pub name: String,
    /// `officer`, `promoter`, `admin` or `partner`.
    pub role: String,
    /// Park codes an officer may edit.
    pub parks: Vec<String>,
    /// When it was created.
    pub created_at: String,
    /// Whether it was revoked.
    pub revoked: bool,
    /// The referral partner a `partner` token acts for.
    pub partner_id: Option<i64>,
}

/// One accepted edit, for the audit log.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// Token name of the editor.
    pub actor: String,
    /// Values before, as a JSON object.
    pub old_values: serde_json::Value,
    /// Values after, as a JSON object.
    pub new_values: serde_json::Value,
    /// The editor's reason.
    pub note: String,
    /// What the edit does to the project holding the site, written in the
    /// same transaction.
    pub site: Option<SiteLink>,
}

/// A site's tie to an investment project, changed with its status.
#[derive(Debug, Clone, PartialEq)]
pub enum SiteLink {
    /// The project now holds the site, in this status (`reserved`...).
    Hold {
        /// The project.
        project_id: i64,
        /// The site's new status.
        status: String,
    },
    /// No project holds the site any more; `project_id` held it.
    Release {
        /// The project that held it.
        project_id: i64,
    },
}

/// One line of the audit log as read back.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRecord {
    /// Row id.
    pub id: i64,
    /// Layer of the feature.
    pub layer: String,
    /// Feature id.
    pub feature_id: i64,
    /// Feature code.
    pub code: String,
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// Values before.
    pub old_values: serde_json::Value,
    /// Values after.
    pub new_values: serde_json::Value,
    /// Why.
    pub note: String,
}

/// What an edit came to.
#[derive(Debug)]
pub enum EditOutcome {
    /// Written; the row as it now is.
    Written(StoredRow),
    /// Someone else wrote first: the version did not match.
    Stale,
}

/// The configured store.
#[derive(Debug, Clone)]
pub enum Store {
    /// Embedded SQLite.
    Sqlite(SqliteStore),
    /// PostgreSQL with PostGIS.
    Postgres(PostgresStore),
}

impl Store {
    /// Opens PostGIS when a URL is given, else the embedded store in `data_dir`.
    pub async fn open(database_url: Option<&str>, data_dir: &Path) -> Result<Self, StoreError> {
        match database_url {
            Some(url) => Ok(Store::Postgres(PostgresStore::connect(url).await?)),
            None => Ok(Store::Sqlite(SqliteStore::open(data_dir).await?)),
        }
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.migrate().await,
            Store::Postgres(s) => s.migrate().await,
        }
    }

    /// Which store this is, for logs and `/health`.
    pub fn kind(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgis",
        }
    }

    /// Checks that the store answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let one: i32 = on_pool!(self, |pool| sqlx::query_scalar("SELECT 1")
            .fetch_one(pool)
            .await
            .doing(|| "checking the store's connection".into()))?;
        debug_assert_eq!(one, 1);
        Ok(())
    }

    /// Number of features in a layer.
    pub async fn count(&self, layer: LayerKind) -> Result<i64, StoreError> {
        let sql = format!("SELECT count(*) FROM {layer}");
        on_pool!(self, |pool| sqlx::query_scalar(&sql)
            .fetch_one(pool)
            .await
            .doing(|| format!("counting {layer}")))
    }

    /// Every row of a layer.
    pub async fn load_layer(&self, layer: LayerKind) -> Result<Vec<StoredRow>, StoreError> {
        let mut rows = Vec::new();
        self.for_each_chunk(layer, usize::MAX, |chunk| rows.extend(chunk))
            .await?;
        Ok(rows)
    }

    /// Streams every row of a layer, handing them over in chunks of
    /// `chunk_size` as they arrive, so that parsing can overlap the transfer.
    pub async fn for_each_chunk(
        &self,
        layer: LayerKind,
        chunk_size: usize,
        on_chunk: impl FnMut(Vec<StoredRow>),
    ) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.for_each_chunk(layer, chunk_size, on_chunk).await,
            Store::Postgres(s) => s.for_each_chunk(layer, chunk_size, on_chunk).await,
        }
    }

    /// The rows with these ids (missing ids are simply absent).
    pub async fn load_rows(
        &self,
        layer: LayerKind,
        ids: &[i64],
    ) -> Result<Vec<StoredRow>, StoreError> {
        match self {
            Store::Sqlite(s) => s.load_rows(layer, ids).await,
            Store::Postgres(s) => s.load_rows(layer, ids).await,
        }
    }

    /// Stores a new token's hash; returns its id.
    pub async fn create_token(
        &self,
        name: &str,
        role: &str,
        parks: &[String],
        hash: &str,
    ) -> Result<i64, StoreError> {
        let parks = serde_json::to_string(parks).unwrap_or_else(|_| "[]".into());
        match self {
            Store::Sqlite(s) => s.create_token(name, role, &parks, hash).await,
            Store::Postgres(s) => s.create_token(name, role, &parks, hash).await,
        }
    }

    /// Every token, revoked ones too.
    pub async fn list_tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        match self {
            Store::Sqlite(s) => s.tokens(None).await,
            Store::Postgres(s) => s.tokens(None).await,
        }
    }

    /// The live token with this hash.
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        let found = match self {
            Store::Sqlite(s) => s.tokens(Some(hash)).await?,
            Store::Postgres(s) => s.tokens(Some(hash)).await?,
        };
        Ok(found.into_iter().find(|t| !t.revoked))
    }

    /// Revokes a token; returns whether a live one was revoked.
    pub async fn revoke_token(&self, id: i64) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.revoke_token(id).await,
            Store::Postgres(s) => s.revoke_token(id).await,
        }
    }

    /// Merges `patch` into a feature's properties if its version is still
    /// `expected_version` (a `null` in the patch removes the property), and
    /// appends to the audit log, in one transaction.
    pub async fn edit(
        &self,
        layer: LayerKind,
        id: i64,
        expected_version: i64,
        patch: &serde_json::Value,
        audit: &AuditEntry,
    ) -> Result<EditOutcome, StoreError> {
        match self {
            Store::Sqlite(s) => s.edit(layer, id, expected_version, patch, audit).await,
            Store::Postgres(s) => s.edit(layer, id, expected_version, patch, audit).await,
        }
    }

    /// A feature's audit log, newest first.
    pub async fn history(&self, layer: LayerKind, id: i64) -> Result<Vec<AuditRecord>, StoreError> {
        match self {
            Store::Sqlite(s) => s.history(Some((layer, id))).await,
            Store::Postgres(s) => s.history(Some((layer, id))).await,
        }
    }

    /// The whole audit log, oldest first.
    pub async fn audit_log(&self) -> Result<Vec<AuditRecord>, StoreError> {
        match self {
            Store::Sqlite(s) => s.history(None).await,
            Store::Postgres(s) => s.history(None).await,
        }
    }

    /// Inserts or updates rows by code, all layers in one transaction: all or
    /// nothing. With PostGIS, the change is announced to every instance when
    /// the transaction commits.
    pub async fn upsert(
        &self,
        batches: &[(LayerKind, Vec<NewRow>)],
    ) -> Result<Vec<WriteSummary>, StoreError> {
        match self {
            Store::Sqlite(s) => s.upsert(batches).await,
            Store::Postgres(s) => s.upsert(batches).await,
        }
    }
}
