//! PostgreSQL + PostGIS store.

use siteatlas_tiles::LayerKind;
use sqlx::Row;
use sqlx::postgres::{PgPool, PgPoolOptions};

use super::projects::{LINK_SITE, SITE_EVENT, UNLINK_SITE};
use super::{
    AuditEntry, AuditRecord, EditOutcome, NewRow, QueryContext, SiteLink, StoreError,
    StoredGeometry, StoredRow, TokenRecord, WriteSummary, read_in_chunks,
};
use crate::clock::unix_now;

/// NOTIFY channel on which writes are announced to every instance.
pub const CHANGES_CHANNEL: &str = "siteatlas_changes";
/// Above this many rows a write is announced as a reload of the layer (a
/// NOTIFY payload holds at most 8000 bytes).
const MAX_IDS_PER_NOTICE: usize = 500;
/// Rows per INSERT statement in an import.
const ROWS_PER_STATEMENT: usize = 5_000;

/// A pool of connections to PostGIS.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pub(super) pool: PgPool,
}

// Timestamps travel as epoch milliseconds: formatting a million of them in
// SQL costs seconds at start-up.
const SELECT: &str = "SELECT id, code, version, (extract(epoch FROM updated_at) * 1000)::bigint AS updated_ms, \
                      ST_AsBinary(geom) AS geometry, props::text AS props FROM ";

fn row(r: sqlx::postgres::PgRow) -> Result<StoredRow, sqlx::Error> {
    Ok(StoredRow {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        version: r.try_get("version")?,
        updated_at: rfc3339_from_millis(r.try_get("updated_ms")?),
        geometry: StoredGeometry::Wkb(r.try_get("geometry")?),
        props: r.try_get("props")?,
    })
}

fn token(r: sqlx::postgres::PgRow) -> Result<TokenRecord, sqlx::Error> {
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

fn audit(r: sqlx::postgres::PgRow) -> Result<AuditRecord, sqlx::Error> {
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

/// Formats Unix epoch milliseconds as RFC 3339 UTC (`2026-11-26T12:00:00.000Z`).
pub fn rfc3339_from_millis(ms: i64) -> String {
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1000 % 60,
        ms_of_day % 1000,
    );
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

impl PostgresStore {
    /// Connects to the database at `url`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            // While the database is down, writes answer 503 within this
            // time instead of holding clients; a healthy pool hands out a
            // connection in microseconds.
            .acquire_timeout(std::time::Duration::from_secs(3))
            .connect(url)
            .await
            .map_err(|source| StoreError::Open {
                what: "PostGIS",
                source,
            })?;
        Ok(Self { pool })
    }

    /// The connection pool (for LISTEN).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub(super) async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/postgres")
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
        let sql = format!("{SELECT}{layer} WHERE id = ANY($1)");
        sqlx::query(&sql)
            .bind(ids)
            .try_map(row)
            .fetch_all(&self.pool)
            .await
            .doing(|| format!("loading {layer} by id"))
    }

    pub(super) async fn create_token(
        &self,
        name: &str,
        role: &str,
        parks: &str,
        hash: &str,
    ) -> Result<i64, StoreError> {
        sqlx::query_scalar("INSERT INTO api_tokens (name, role, parks, token_hash) VALUES ($1, $2, $3, $4) RETURNING id")
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
            "SELECT id, name, role, parks, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS created_at, \
             revoked_at::text AS revoked_at, partner_id FROM api_tokens WHERE $1::text IS NULL OR token_hash = $1 ORDER BY id",
        )
        .bind(hash)
        .try_map(token)
        .fetch_all(&self.pool)
        .await
        .doing(|| "reading tokens".into())
    }

    pub(super) async fn revoke_token(&self, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
        )
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
            "UPDATE {layer} SET props = jsonb_strip_nulls(props || $3::jsonb), version = version + 1, updated_at = now() \
             WHERE id = $1 AND version = $2 RETURNING code"
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
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANGES_CHANNEL)
            .bind(serde_json::json!({ "layer": layer, "ids": [id] }).to_string())
            .execute(&mut *tx)
            .await
            .doing(|| "announcing the change".into())?;
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
             to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at FROM audit_log \
             WHERE ($1::text IS NULL OR layer = $1) AND ($2::bigint IS NULL OR feature_id = $2) ORDER BY id {order}"
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
                "INSERT INTO {layer} (code, geom, props) \
                 SELECT code, ST_SetSRID(ST_GeomFromGeoJSON(g), 4326), p::jsonb \
                 FROM UNNEST($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(code, g, p, n) ORDER BY n \
                 ON CONFLICT (code) DO UPDATE SET geom = EXCLUDED.geom, props = EXCLUDED.props, \
                   version = {layer}.version + 1, updated_at = now() \
                 RETURNING id, (xmax = 0) AS inserted"
            );
            let mut summary = WriteSummary::default();
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                let codes: Vec<&str> = chunk.iter().map(|r| r.code.as_str()).collect();
                let geoms: Vec<&str> = chunk.iter().map(|r| r.geometry.as_str()).collect();
                let props: Vec<&str> = chunk.iter().map(|r| r.props.as_str()).collect();
                let written = sqlx::query(&sql)
                    .bind(&codes)
                    .bind(&geoms)
                    .bind(&props)
                    .fetch_all(&mut *tx)
                    .await
                    .doing(|| format!("writing {layer}"))?;
                for r in written {
                    let id: i64 = r.try_get("id").doing(|| "reading written ids".into())?;
                    let inserted: bool = r
                        .try_get("inserted")
                        .doing(|| "reading written ids".into())?;
                    summary.ids.push(id);
                    if inserted {
                        summary.inserted += 1;
                    } else {
                        summary.updated += 1;
                    }
                }
            }
            let notice = if summary.ids.len() > MAX_IDS_PER_NOTICE {
                serde_json::json!({ "layer": layer, "reload": true })
            } else {
                serde_json::json!({ "layer": layer, "ids": summary.ids })
            };
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANGES_CHANNEL)
                .bind(notice.to_string())
                .execute(&mut *tx)
                .await
                .doing(|| "announcing the change".into())?;
            summaries.push(summary);
        }
        tx.commit().await.doing(|| "committing the write".into())?;
        Ok(summaries)
    }
}

/// Ties a site to its project or frees it, and notes it in the project's
/// history, inside the site edit's transaction.
async fn write_site_link(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
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

#[cfg(test)]
mod tests {
    use super::rfc3339_from_millis;

    #[test]
    fn formats_epoch_millis() {
        assert_eq!(rfc3339_from_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_from_millis(951_782_400_123),
            "2000-02-29T00:00:00.123Z"
        );
        assert_eq!(
            rfc3339_from_millis(1_795_694_400_000),
            "2026-11-26T12:00:00.000Z"
        );
        assert_eq!(rfc3339_from_millis(-1), "1969-12-31T23:59:59.999Z");
    }
}
