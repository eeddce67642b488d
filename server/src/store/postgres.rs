//! PostgreSQL + PostGIS store.

use siteatlas_tiles::LayerKind;
use sqlx::Row;
use sqlx::postgres::{PgPool, PgPoolOptions};

use super::{NewRow, QueryContext, StoreError, StoredGeometry, StoredRow, WriteSummary};

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
    pool: PgPool,
}

const SELECT: &str = "SELECT id, code, version, to_json(updated_at)#>>'{}' AS updated_at, \
                      ST_AsBinary(geom) AS geometry, props::text AS props FROM ";

fn row(r: sqlx::postgres::PgRow) -> Result<StoredRow, sqlx::Error> {
    Ok(StoredRow {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
        geometry: StoredGeometry::Wkb(r.try_get("geometry")?),
        props: r.try_get("props")?,
    })
}

impl PostgresStore {
    /// Connects to the database at `url`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(std::time::Duration::from_secs(10))
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

    pub(super) async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .doing(|| "checking the connection".into())?;
        Ok(())
    }

    pub(super) async fn count(&self, layer: LayerKind) -> Result<i64, StoreError> {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {layer}"))
            .fetch_one(&self.pool)
            .await
            .doing(|| format!("counting {layer}"))
    }

    pub(super) async fn for_each_chunk(
        &self,
        layer: LayerKind,
        chunk_size: usize,
        mut on_chunk: impl FnMut(Vec<StoredRow>),
    ) -> Result<(), StoreError> {
        use futures_util::TryStreamExt;
        let sql = format!("{SELECT}{layer}");
        let mut stream = sqlx::query(&sql).fetch(&self.pool);
        let mut chunk = Vec::new();
        while let Some(r) = stream
            .try_next()
            .await
            .doing(|| format!("loading {layer}"))?
        {
            chunk.push(row(r).doing(|| format!("reading a row of {layer}"))?);
            if chunk.len() >= chunk_size {
                on_chunk(std::mem::take(&mut chunk));
            }
        }
        if !chunk.is_empty() {
            on_chunk(chunk);
        }
        Ok(())
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
