//! Investment projects, their stages, history and sites, and the referral
//! partners (以商招商) that leads and projects are credited to.

use serde::Serialize;

use super::{QueryContext, Store, StoreError};

/// A referral partner as stored.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct PartnerRecord {
    /// Partner id.
    pub id: i64,
    /// Name (a person, an association, a firm).
    pub name: String,
    /// `ambassador`, `alliance` or `resident_firm`.
    pub kind: String,
    /// The code of its referral link (`/r/{code}`).
    pub code: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// What a new project starts with.
#[derive(Debug, Clone, Default)]
pub struct NewProject {
    /// The lead taken up, if it came from one.
    pub lead_id: Option<i64>,
    /// Company.
    pub company: String,
    /// Industry.
    pub industry: String,
    /// Planned investment, 万元.
    pub investment_wan: Option<f64>,
    /// Expected yearly output, 万元.
    pub output_wan: Option<f64>,
    /// Expected yearly tax, 万元.
    pub tax_wan: Option<f64>,
    /// Expected jobs.
    pub jobs: Option<i64>,
    /// Park code.
    pub park: Option<String>,
    /// Where it came from (see `crate::pipeline::SOURCES`).
    pub source: String,
    /// The partner it is credited to.
    pub partner_id: Option<i64>,
    /// Promoter following it.
    pub assignee: Option<String>,
}

/// A stored project.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct ProjectRecord {
    /// Project id.
    pub id: i64,
    /// The lead it came from.
    pub lead_id: Option<i64>,
    /// Company.
    pub company: String,
    /// Industry.
    pub industry: String,
    /// Planned investment, 万元.
    pub investment_wan: Option<f64>,
    /// Expected yearly output, 万元.
    pub output_wan: Option<f64>,
    /// Expected yearly tax, 万元.
    pub tax_wan: Option<f64>,
    /// Expected jobs.
    pub jobs: Option<i64>,
    /// Park code.
    pub park: Option<String>,
    /// Current stage.
    pub stage: String,
    /// Where it came from.
    pub source: String,
    /// The partner it is credited to.
    pub partner_id: Option<i64>,
    /// Promoter following it.
    pub assignee: Option<String>,
    /// Raised by every change (for `If-Match`).
    pub version: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

/// When a project reached a stage, and who answers for it.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct StageRecord {
    /// The stage.
    pub stage: String,
    /// The day it was reached, `YYYY-MM-DD`.
    pub reached_on: String,
    /// When it was recorded, Unix seconds.
    pub reached_at: i64,
    /// Who is responsible for it.
    pub responsible: Option<String>,
}

/// One change of a project.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct ProjectEvent {
    /// When, Unix seconds.
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What changed, as JSON `{"stage": ["talks", "signed"], ...}`.
    pub changes: String,
    /// Note.
    pub note: Option<String>,
}

/// A site a project holds.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct ProjectSite {
    /// `plots`, `factories` or `offices`.
    pub layer: String,
    /// The site's id.
    pub feature_id: i64,
    /// The project.
    pub project_id: i64,
    /// The site's status when it was linked (`reserved`, `transferred`, `occupied`...).
    pub status: String,
    /// Unix seconds.
    pub at: i64,
}

/// A change to a project, written with its history in one transaction.
#[derive(Debug, Clone)]
pub struct ProjectUpdate {
    /// The project as it will be (its `version` is the one expected).
    pub project: ProjectRecord,
    /// A stage reached by this change.
    pub reached: Option<StageRecord>,
    /// The history entry.
    pub event: ProjectEvent,
}

/// Records a stage reached, in the transaction `tx` (either store's).
macro_rules! insert_stage {
    ($tx:expr, $project:expr, $stage:expr) => {{
        let stage: &StageRecord = $stage;
        // A stage reached again (after a step back) keeps its latest date.
        sqlx::query(
            "INSERT INTO project_stages (project_id, stage, reached_on, reached_at, responsible) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (project_id, stage) DO UPDATE SET reached_on = excluded.reached_on, reached_at = excluded.reached_at, responsible = excluded.responsible",
        )
        .bind($project)
        .bind(&stage.stage)
        .bind(&stage.reached_on)
        .bind(stage.reached_at)
        .bind(&stage.responsible)
        .execute(&mut *$tx)
        .await
    }};
}

/// Records a project's history entry, in the transaction `tx` (either store's).
macro_rules! insert_event {
    ($tx:expr, $project:expr, $event:expr) => {{
        let event: &ProjectEvent = $event;
        sqlx::query(SITE_EVENT)
            .bind($project)
            .bind(event.at)
            .bind(&event.actor)
            .bind(&event.changes)
            .bind(&event.note)
            .execute(&mut *$tx)
            .await
    }};
}

const PROJECT_COLUMNS: &str = "id, lead_id, company, industry, investment_wan, output_wan, tax_wan, jobs, park, stage, source, partner_id, assignee, version, created_at, updated_at";

impl Store {
    /// Stores a partner; returns its id.
    pub async fn insert_partner(
        &self,
        name: &str,
        kind: &str,
        code: &str,
        at: i64,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO partners (name, kind, code, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
        on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(name)
            .bind(kind)
            .bind(code)
            .bind(at)
            .fetch_one(pool)
            .await)
        .doing(|| "storing a partner".into())
    }

    /// Every partner, oldest first.
    pub async fn partners(&self) -> Result<Vec<PartnerRecord>, StoreError> {
        let sql = "SELECT id, name, kind, code, created_at FROM partners ORDER BY id";
        on_pool!(self, |pool| sqlx::query_as::<_, PartnerRecord>(sql)
            .fetch_all(pool)
            .await)
        .doing(|| "reading partners".into())
    }

    /// One partner, by id.
    pub async fn partner(&self, id: i64) -> Result<Option<PartnerRecord>, StoreError> {
        let sql = "SELECT id, name, kind, code, created_at FROM partners WHERE id = $1";
        on_pool!(self, |pool| sqlx::query_as::<_, PartnerRecord>(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)
        .doing(|| format!("reading partner {id}"))
    }

    /// The partner of a referral code.
    pub async fn partner_by_code(&self, code: &str) -> Result<Option<PartnerRecord>, StoreError> {
        let sql = "SELECT id, name, kind, code, created_at FROM partners WHERE code = $1";
        on_pool!(self, |pool| sqlx::query_as::<_, PartnerRecord>(sql)
            .bind(code)
            .fetch_optional(pool)
            .await)
        .doing(|| "reading a referral code".into())
    }

    /// Stores a partner's API token (role `partner`); returns its id.
    pub async fn create_partner_token(
        &self,
        name: &str,
        partner_id: i64,
        token_hash: &str,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO api_tokens (name, role, parks, token_hash, partner_id) \
                   VALUES ($1, 'partner', '[]', $2, $3) RETURNING id";
        on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(name)
            .bind(token_hash)
            .bind(partner_id)
            .fetch_one(pool)
            .await)
        .doing(|| "storing a partner's token".into())
    }

    /// The partner a token acts for, if it is a partner's.
    pub async fn token_partner(&self, token_id: i64) -> Result<Option<i64>, StoreError> {
        let sql = "SELECT partner_id FROM api_tokens WHERE id = $1";
        let found: Option<Option<i64>> = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(token_id)
            .fetch_optional(pool)
            .await)
        .doing(|| format!("reading the partner of token {token_id}"))?;
        Ok(found.flatten())
    }

    /// Stores a project at its first stage, reached today, with its first
    /// history entry, in one transaction; returns its id.
    pub async fn insert_project(
        &self,
        project: &NewProject,
        first: &StageRecord,
        event: &ProjectEvent,
    ) -> Result<i64, StoreError> {
        let insert = "INSERT INTO projects (lead_id, company, industry, investment_wan, output_wan, tax_wan, jobs, park, stage, source, partner_id, assignee, created_at, updated_at) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id";
        on_pool!(self, |pool| async {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(insert)
                .bind(project.lead_id)
                .bind(&project.company)
                .bind(&project.industry)
                .bind(project.investment_wan)
                .bind(project.output_wan)
                .bind(project.tax_wan)
                .bind(project.jobs)
                .bind(&project.park)
                .bind(&first.stage)
                .bind(&project.source)
                .bind(project.partner_id)
                .bind(&project.assignee)
                .bind(event.at)
                .fetch_one(&mut *tx)
                .await?;
            insert_stage!(tx, id, first)?;
            insert_event!(tx, id, event)?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id)
        }
        .await)
        .doing(|| "storing a project".into())
    }

    /// Every project, newest first; of one partner's referrals only when `partner` is given.
    pub async fn projects(&self, partner: Option<i64>) -> Result<Vec<ProjectRecord>, StoreError> {
        let sql = format!(
            "SELECT {PROJECT_COLUMNS} FROM projects WHERE $1 IS NULL OR partner_id = $1 ORDER BY id DESC"
        );
        on_pool!(self, |pool| sqlx::query_as::<_, ProjectRecord>(&sql)
            .bind(partner)
            .fetch_all(pool)
            .await)
        .doing(|| "reading projects".into())
    }

    /// One project.
    pub async fn project(&self, id: i64) -> Result<Option<ProjectRecord>, StoreError> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = $1");
        on_pool!(self, |pool| sqlx::query_as::<_, ProjectRecord>(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)
        .doing(|| format!("reading project {id}"))
    }

    /// The stages a project has reached, in the order reached.
    pub async fn project_stages(&self, id: i64) -> Result<Vec<StageRecord>, StoreError> {
        let sql = "SELECT stage, reached_on, reached_at, responsible FROM project_stages \
                   WHERE project_id = $1 ORDER BY reached_at, reached_on";
        on_pool!(self, |pool| sqlx::query_as::<_, StageRecord>(sql)
            .bind(id)
            .fetch_all(pool)
            .await)
        .doing(|| format!("reading the stages of project {id}"))
    }

    /// Every project's stages, for the figures: `(project, stage)`.
    pub async fn all_project_stages(&self) -> Result<Vec<(i64, StageRecord)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            project_id: i64,
            stage: String,
            reached_on: String,
            reached_at: i64,
            responsible: Option<String>,
        }
        let sql = "SELECT project_id, stage, reached_on, reached_at, responsible FROM project_stages ORDER BY project_id, reached_at";
        let rows: Vec<Row> = on_pool!(self, |pool| sqlx::query_as::<_, Row>(sql)
            .fetch_all(pool)
            .await)
        .doing(|| "reading project stages".into())?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r.project_id,
                    StageRecord {
                        stage: r.stage,
                        reached_on: r.reached_on,
                        reached_at: r.reached_at,
                        responsible: r.responsible,
                    },
                )
            })
            .collect())
    }

    /// A project's history, newest first.
    pub async fn project_events(&self, id: i64) -> Result<Vec<ProjectEvent>, StoreError> {
        let sql = "SELECT at, actor, changes, note FROM project_events WHERE project_id = $1 ORDER BY id DESC";
        on_pool!(self, |pool| sqlx::query_as::<_, ProjectEvent>(sql)
            .bind(id)
            .fetch_all(pool)
            .await)
        .doing(|| format!("reading the history of project {id}"))
    }

    /// Writes a change of a project if its version is still the expected
    /// one, with the stage it reaches and its history entry, in one
    /// transaction. False if someone else changed it first.
    pub async fn update_project(&self, update: &ProjectUpdate) -> Result<bool, StoreError> {
        let p = &update.project;
        let sql = "UPDATE projects SET company = $1, industry = $2, investment_wan = $3, output_wan = $4, tax_wan = $5, jobs = $6, \
                   park = $7, stage = $8, source = $9, partner_id = $10, assignee = $11, version = version + 1, updated_at = $12 \
                   WHERE id = $13 AND version = $14";
        on_pool!(self, |pool| async {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(sql)
                .bind(&p.company)
                .bind(&p.industry)
                .bind(p.investment_wan)
                .bind(p.output_wan)
                .bind(p.tax_wan)
                .bind(p.jobs)
                .bind(&p.park)
                .bind(&p.stage)
                .bind(&p.source)
                .bind(p.partner_id)
                .bind(&p.assignee)
                .bind(update.event.at)
                .bind(p.id)
                .bind(p.version)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Ok::<_, sqlx::Error>(false);
            }
            if let Some(stage) = &update.reached {
                insert_stage!(tx, p.id, stage)?;
            }
            insert_event!(tx, p.id, &update.event)?;
            tx.commit().await?;
            Ok(true)
        }
        .await)
        .doing(|| format!("changing project {}", p.id))
    }

    /// The sites a project holds.
    pub async fn project_sites(&self, project: i64) -> Result<Vec<ProjectSite>, StoreError> {
        let sql = "SELECT layer, feature_id, project_id, status, at FROM project_sites WHERE project_id = $1 ORDER BY at, layer, feature_id";
        on_pool!(self, |pool| sqlx::query_as::<_, ProjectSite>(sql)
            .bind(project)
            .fetch_all(pool)
            .await)
        .doing(|| format!("reading the sites of project {project}"))
    }

    /// The project holding a site, if any.
    pub async fn site_project(
        &self,
        layer: &str,
        feature_id: i64,
    ) -> Result<Option<ProjectSite>, StoreError> {
        let sql = "SELECT layer, feature_id, project_id, status, at FROM project_sites WHERE layer = $1 AND feature_id = $2";
        on_pool!(self, |pool| sqlx::query_as::<_, ProjectSite>(sql)
            .bind(layer)
            .bind(feature_id)
            .fetch_optional(pool)
            .await)
        .doing(|| format!("reading the project of {layer} {feature_id}"))
    }
}

/// The statements that tie a site to a project or free it, run inside a
/// site edit's transaction (see `AuditEntry::site`) so that a status and
/// its project never disagree.
pub(super) const LINK_SITE: &str = "INSERT INTO project_sites (layer, feature_id, project_id, status, at) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (layer, feature_id) DO UPDATE SET project_id = excluded.project_id, status = excluded.status, at = excluded.at";
/// See [`LINK_SITE`].
pub(super) const UNLINK_SITE: &str =
    "DELETE FROM project_sites WHERE layer = $1 AND feature_id = $2";
/// See [`LINK_SITE`]: the project's history notes the site.
pub(super) const SITE_EVENT: &str =
    "INSERT INTO project_events (project_id, at, actor, changes, note) VALUES ($1, $2, $3, $4, $5)";
