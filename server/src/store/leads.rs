//! Investors' leads and their pipeline history.

use serde::Serialize;

use super::{QueryContext, Store, StoreError};

/// A new lead, as an investor sent it.
#[derive(Debug, Clone)]
pub struct NewLead {
    /// Layer of the site asked about.
    pub layer: Option<String>,
    /// The site.
    pub feature_id: Option<i64>,
    /// Or the tour asked about.
    pub tour_id: Option<i64>,
    /// Company.
    pub company: String,
    /// Contact (name, phone, e-mail): personal data.
    pub contact: String,
    /// What they need.
    pub needs: String,
    /// Whether they agreed to the privacy notice.
    pub consent: bool,
    /// Unix seconds.
    pub at: i64,
    /// Where it came from (see `crate::pipeline::SOURCES`).
    pub source: String,
    /// The referral partner it is credited to.
    pub partner_id: Option<i64>,
    /// The tour's share link and guide a tour page's lead is credited to.
    pub credit: LeadCredit,
}

/// Where a lead was sent from: the map's form (or the API), or a shared tour
/// page, whose lead is credited to the share link and to the promoter who
/// made it.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum LeadCredit {
    /// The map's enquiry form, or a client of the API.
    #[default]
    Map,
    /// A shared tour page.
    Tour {
        /// The share link the page was opened with.
        share_link_id: i64,
        /// The promoter who made the link: the guide.
        credited_to: String,
    },
}

/// A stored lead.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct LeadRecord {
    /// Lead id.
    pub id: i64,
    /// Layer of the site asked about.
    pub layer: Option<String>,
    /// The site.
    pub feature_id: Option<i64>,
    /// The tour asked about.
    pub tour_id: Option<i64>,
    /// Company.
    pub company: String,
    /// Contact.
    pub contact: String,
    /// Needs.
    pub needs: String,
    /// Whether the investor agreed to the privacy notice.
    pub consent: bool,
    /// Pipeline stage.
    pub status: String,
    /// Promoter following it.
    pub assignee: Option<String>,
    /// Where it came from (see `crate::pipeline::SOURCES`).
    pub source: String,
    /// The share link a tour's lead came through.
    pub share_link_id: Option<i64>,
    /// The promoter a tour's lead is credited to.
    pub credited_to: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
    /// The referral partner it is credited to.
    pub partner_id: Option<i64>,
}

/// One change of a lead.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct LeadEvent {
    /// When, Unix seconds.
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What changed, as JSON `{"status": ["new", "contacted"], ...}`.
    pub changes: String,
    /// Note.
    pub note: Option<String>,
}

const LEAD_COLUMNS: &str = "id, layer, feature_id, tour_id, company, contact, needs, consent, status, assignee, source, share_link_id, credited_to, partner_id, created_at, updated_at";

impl Store {
    /// Stores a lead; returns its id.
    pub async fn insert_lead(&self, lead: &NewLead) -> Result<i64, StoreError> {
        let sql = "INSERT INTO leads (layer, feature_id, tour_id, company, contact, needs, consent, created_at, updated_at, \
                   source, share_link_id, credited_to, partner_id) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12) RETURNING id";
        let (share_link_id, credited_to) = match &lead.credit {
            LeadCredit::Map => (None, None),
            LeadCredit::Tour {
                share_link_id,
                credited_to,
            } => (Some(*share_link_id), Some(credited_to.as_str())),
        };
        on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(&lead.layer)
            .bind(lead.feature_id)
            .bind(lead.tour_id)
            .bind(&lead.company)
            .bind(&lead.contact)
            .bind(&lead.needs)
            .bind(lead.consent)
            .bind(lead.at)
            .bind(&lead.source)
            .bind(share_link_id)
            .bind(credited_to)
            .bind(lead.partner_id)
            .fetch_one(pool)
            .await)
        .doing(|| "storing a lead".into())
    }

    /// Every lead, newest first, optionally of one stage and of one
    /// partner's referrals only.
    pub async fn leads(
        &self,
        status: Option<&str>,
        partner: Option<i64>,
    ) -> Result<Vec<LeadRecord>, StoreError> {
        let sql = format!(
            "SELECT {LEAD_COLUMNS} FROM leads WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR partner_id = $2) ORDER BY id DESC"
        );
        on_pool!(self, |pool| sqlx::query_as::<_, LeadRecord>(&sql)
            .bind(status)
            .bind(partner)
            .fetch_all(pool)
            .await)
        .doing(|| "reading leads".into())
    }

    /// One lead.
    pub async fn lead(&self, id: i64) -> Result<Option<LeadRecord>, StoreError> {
        let sql = format!("SELECT {LEAD_COLUMNS} FROM leads WHERE id = $1");
        on_pool!(self, |pool| sqlx::query_as::<_, LeadRecord>(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)
        .doing(|| format!("reading lead {id}"))
    }

    /// A lead's history, newest first.
    pub async fn lead_events(&self, id: i64) -> Result<Vec<LeadEvent>, StoreError> {
        let sql =
            "SELECT at, actor, changes, note FROM lead_events WHERE lead_id = $1 ORDER BY id DESC";
        on_pool!(self, |pool| sqlx::query_as::<_, LeadEvent>(sql)
            .bind(id)
            .fetch_all(pool)
            .await)
        .doing(|| format!("reading the history of lead {id}"))
    }

    /// Moves a lead (stage, assignee) and records the change, in one transaction.
    pub async fn update_lead(
        &self,
        id: i64,
        status: &str,
        assignee: Option<&str>,
        event: &LeadEvent,
    ) -> Result<(), StoreError> {
        let update = "UPDATE leads SET status = $1, assignee = $2, updated_at = $3 WHERE id = $4";
        let record = "INSERT INTO lead_events (lead_id, at, actor, changes, note) VALUES ($1, $2, $3, $4, $5)";
        on_pool!(self, |pool| async {
            let mut tx = pool.begin().await?;
            sqlx::query(update)
                .bind(status)
                .bind(assignee)
                .bind(event.at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(record)
                .bind(id)
                .bind(event.at)
                .bind(&event.actor)
                .bind(&event.changes)
                .bind(&event.note)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        }
        .await)
        .doing(|| format!("updating lead {id}"))
    }
}
