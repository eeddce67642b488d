//! Embedded SQLite store, for running with nothing else installed.

use std::path::Path;
use std::str::FromStr;

use siteatlas_tiles::LayerKind;
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::projects::{LINK_SITE, SITE_EVENT, UNLINK_SITE};
use super::{
    AuditEntry, AuditRecord, EditOutcome, NewRow, QueryContext, SiteLink, StoreError,
    StoredGeometry, StoredRow, TokenRecord, WriteSummary, read_in_chunks,
};
use crate::clock::unix_now;

/// File name of the database inside the data directory.
pub const DATABASE_FILE: &str = "siteatlas.db";

/// A pool of connections to the embedded database.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(super) pool: SqlitePool,
}

const SELECT: &str = "SELECT id, code, version, updated_at, geom AS geometry, props FROM ";

fn row(r: sqlx::sqlite::SqliteRow) -> Result<StoredRow, sqlx::Error> {
    Ok(StoredRow {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
        geometry: StoredGeometry::GeoJson(r.try_get("geometry")?),
        props: r.try_get("props")?,
    })
}

fn token(r: sqlx::sqlite::SqliteRow) -> Result<TokenRecord, sqlx::Error> {
    let parks: String = r.try_get("parks")?;
    Ok(TokenRecord {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        role: r.try_get("role")?,
        parks: serde_json::from_str(&parks).unwrap_or_default(),
        created_at: r.try_get("created_at")?,
        revoked: r.try_get::<Option<String>, _>("revoked_at")?.is_some(),
        partner_id: r.try_get("partner_id")?,
    })
}

fn audit(r: sqlx::sqlite::SqliteRow) -> Result<AuditRecord, sqlx::Error> {
    let json = |s: String| serde_json::from_str(&s).unwrap_or(serde_json::Value::Null);
    Ok(AuditRecord {
        id: r.try_get("id")?,
        layer: r.try_get("layer")?,
        feature_id: r.try_get("feature_id")?,
        code: r.try_get("code")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        old_values: json(r.try_get("old_values")?),
        new_values: json(r.try_get("new_values")?),
        note: r.try_get("note")?,
    })
}

impl SqliteStore {
    /// Opens (creating if needed) `<data_dir>/siteatlas.db`.
    pub async fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let path = data_dir.join(DATABASE_FILE);
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .map_err(|source| StoreError::Open {
                what: "SQLite",
                source,
            })?
            .create_if_missing(true)
            // WAL: readers never wait for the writer; a crash loses no committed write.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                what: "SQLite",
                source,
            })?;
        Ok(Self { pool })
    }

    pub(super) async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    pub(super) async fn for_each_chunk(
        &self,
        layer: LayerKind,
        chunk_size: usize,
        on_chunk: impl FnMut(Vec<StoredRow>),
    ) -> Result<(), StoreError> {
        let sql = format!("{SELECT}{layer}");
        let rows = sqlx::query(&sql).fetch(&self.pool);
        read_in_chunks(rows, row, layer, chunk_size, on_chunk).await
    }

    pub(super) async fn load_rows(
        &self,
        layer: LayerKind,
        ids: &[i64],
    ) -> Result<Vec<StoredRow>, StoreError> {
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            let found = sqlx::query(&format!("{SELECT}{layer} WHERE id = ?"))
                .bind(id)
                .try_map(row)
                .fetch_optional(&self.pool)
                .await
                .doing(|| format!("loading {layer} {id}"))?;
            rows.extend(found);
        }
        Ok(rows)
    }

    pub(super) async fn create_token(
        &self,
        name: &str,
        role: &str,
        parks: &str,
        hash: &str,
    ) -> Result<i64, StoreError> {
        sqlx::query_scalar("INSERT INTO api_tokens (name, role, parks, token_hash) VALUES (?1, ?2, ?3, ?4) RETURNING id")
            .bind(name)
            .bind(role)
            .bind(parks)
            .bind(hash)
            .fetch_one(&self.pool)
            .await
            .doing(|| "creating a token".into())
    }

    pub(super) async fn tokens(&self, hash: Option<&str>) -> Result<Vec<TokenRecord>, StoreError> {
        sqlx::query(
            "SELECT id, name, role, parks, created_at, \
             revoked_at, partner_id FROM api_tokens WHERE ?1 IS NULL OR token_hash = ?1 ORDER BY id",
        )
        .bind(hash)
        .try_map(token)
        .fetch_all(&self.pool)
        .await
        .doing(|| "reading tokens".into())
    }

    pub(super) async fn revoke_token(&self, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1 AND revoked_at IS NULL")
            .bind(id)
            .execute(&self.pool)
            .await
            .doing(|| "revoking a token".into())?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn edit(
        &self,
        layer: LayerKind,
        id: i64,
        expected_version: i64,
        patch: &serde_json::Value,
        entry: &AuditEntry,
    ) -> Result<EditOutcome, StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .doing(|| "starting a transaction".into())?;
        let code: Option<String> = sqlx::query_scalar(&format!(
            "UPDATE {layer} SET props = json_patch(props, ?3), version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE id = ?1 AND version = ?2 RETURNING code"
        ))
        .bind(id)
        .bind(expected_version)
        .bind(patch.to_string())
        .fetch_optional(&mut *tx)
        .await
        .doing(|| format!("editing {layer} {id}"))?;
        let Some(code) = code else {
            return Ok(EditOutcome::Stale);
        };
        sqlx::query(
            "INSERT INTO audit_log (layer, feature_id, code, actor, old_values, new_values, note) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(layer.as_str())
        .bind(id)
        .bind(&code)
        .bind(&entry.actor)
        .bind(entry.old_values.to_string())
        .bind(entry.new_values.to_string())
        .bind(&entry.note)
        .execute(&mut *tx)
        .await
        .doing(|| "writing the audit log".into())?;
        if let Some(link) = &entry.site {
            write_site_link(&mut tx, layer, id, &code, link, entry)
                .await
                .doing(|| format!("linking {layer} {id} to its project"))?;
        }
        tx.commit().await.doing(|| "committing the edit".into())?;
        let mut rows = self.load_rows(layer, &[id]).await?;
        Ok(rows
            .pop()
            .map(EditOutcome::Written)
            .unwrap_or(EditOutcome::Stale))
    }

    pub(super) async fn history(
        &self,
        feature: Option<(LayerKind, i64)>,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let (layer, id, order) = match feature {
            Some((l, id)) => (Some(l.as_str()), Some(id), "DESC"),
            None => (None, None, "ASC"),
        };
        sqlx::query(&format!(
            "SELECT id, layer, feature_id, code, actor, old_values, new_values, note, \
             at FROM audit_log \
             WHERE (?1 IS NULL OR layer = ?1) AND (?2 IS NULL OR feature_id = ?2) ORDER BY id {order}"
        ))
        .bind(layer)
        .bind(id)
        .try_map(audit)
        .fetch_all(&self.pool)
        .await
        .doing(|| "reading the audit log".into())
    }

    pub(super) async fn upsert(
        &self,
        batches: &[(LayerKind, Vec<NewRow>)],
    ) -> Result<Vec<WriteSummary>, StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .doing(|| "starting a transaction".into())?;
        let mut summaries = Vec::new();
        for (layer, rows) in batches {
            let layer = *layer;
            let sql = format!(
                "INSERT INTO {layer} (code, geom, props) VALUES (?, ?, ?) \
                 ON CONFLICT (code) DO UPDATE SET geom = excluded.geom, props = excluded.props, \
                   version = {layer}.version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
                 RETURNING id, version"
            );
            let mut summary = WriteSummary::default();
            for r in rows {
                let written = sqlx::query(&sql)
                    .bind(&r.code)
                    .bind(&r.geometry)
                    .bind(&r.props)
                    .fetch_one(&mut *tx)
                    .await
                    .doing(|| format!("writing {layer} {}", r.code))?;
                let id: i64 = written
                    .try_get("id")
                    .doing(|| "reading written ids".into())?;
                let version: i64 = written
                    .try_get("version")
                    .doing(|| "reading written ids".into())?;
                summary.ids.push(id);
                if version == 1 {
                    summary.inserted += 1;
                } else {
                    summary.updated += 1;
                }
            }
            summaries.push(summary);
        }
        tx.commit().await.doing(|| "committing the write".into())?;
        Ok(summaries)
    }
}

/// Ties a site to its project or frees it, and notes it in the project's
/// history, inside the site edit's transaction.
async fn write_site_link(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    layer: LayerKind,
    id: i64,
    code: &str,
    link: &SiteLink,
    entry: &AuditEntry,
) -> Result<(), sqlx::Error> {
    let (project, changes) = match link {
        SiteLink::Hold { project_id, status } => {
            sqlx::query(LINK_SITE)
                .bind(layer.as_str())
                .bind(id)
                .bind(project_id)
                .bind(status)
                .bind(unix_now() as i64)
                .execute(&mut **tx)
                .await?;
            (
                *project_id,
                serde_json::json!({"site": {"layer": layer, "id": id, "code": code, "status": status}}),
            )
        }
        SiteLink::Release { project_id } => {
            sqlx::query(UNLINK_SITE)
                .bind(layer.as_str())
                .bind(id)
                .execute(&mut **tx)
                .await?;
            (
                *project_id,
                serde_json::json!({"site_released": {"layer": layer, "id": id, "code": code}}),
            )
        }
    };
    sqlx::query(SITE_EVENT)
        .bind(project)
        .bind(unix_now() as i64)
        .bind(&entry.actor)
        .bind(changes.to_string())
        .bind(&entry.note)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
