//! Questions and answers typed in live tours, kept with the tour.

use serde::Serialize;

use super::{QueryContext, Store, StoreError};

/// A chat message as a live session sends it to the store.
#[derive(Debug, Clone)]
pub struct NewChatMessage {
    /// The tour the session shows.
    pub tour_id: i64,
    /// The share link the session runs under.
    pub share_link_id: i64,
    /// Unix seconds.
    pub at: i64,
    /// The name the person typed.
    pub author: String,
    /// `guide` or `attendee`.
    pub role: &'static str,
    /// The message, trimmed.
    pub body: String,
}

/// A stored chat message.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct ChatRecord {
    /// Message id, in the order the messages were stored.
    pub id: i64,
    /// The tour.
    pub tour_id: i64,
    /// The share link its session ran under.
    pub share_link_id: i64,
    /// Unix seconds.
    pub at: i64,
    /// The name the person typed.
    pub author: String,
    /// `guide` or `attendee`.
    pub role: String,
    /// The message.
    pub body: String,
}

const CHAT_COLUMNS: &str = "id, tour_id, share_link_id, at, author, role, body";

impl Store {
    /// Stores a chat message; returns its id.
    pub async fn insert_chat(&self, m: &NewChatMessage) -> Result<i64, StoreError> {
        let sql = "INSERT INTO tour_chat (tour_id, share_link_id, at, author, role, body) \
                   VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(m.tour_id)
            .bind(m.share_link_id)
            .bind(m.at)
            .bind(&m.author)
            .bind(m.role)
            .bind(&m.body)
            .fetch_one(pool)
            .await)
        .doing(|| format!("storing a chat message of tour {}", m.tour_id))
    }

    /// The last `limit` messages under a share link, oldest first.
    pub async fn recent_chat(
        &self,
        share_link_id: i64,
        limit: i64,
    ) -> Result<Vec<ChatRecord>, StoreError> {
        let sql = format!(
            "SELECT {CHAT_COLUMNS} FROM (SELECT {CHAT_COLUMNS} FROM tour_chat WHERE share_link_id = $1 \
             ORDER BY id DESC LIMIT $2) AS recent ORDER BY id"
        );
        on_pool!(self, |pool| sqlx::query_as::<_, ChatRecord>(&sql)
            .bind(share_link_id)
            .bind(limit)
            .fetch_all(pool)
            .await)
        .doing(|| format!("reading the chat of share link {share_link_id}"))
    }

    /// Every message of a tour, under all its links, oldest first.
    pub async fn tour_chat(&self, tour_id: i64) -> Result<Vec<ChatRecord>, StoreError> {
        let sql = format!("SELECT {CHAT_COLUMNS} FROM tour_chat WHERE tour_id = $1 ORDER BY id");
        on_pool!(self, |pool| sqlx::query_as::<_, ChatRecord>(&sql)
            .bind(tour_id)
            .fetch_all(pool)
            .await)
        .doing(|| format!("reading the chat of tour {tour_id}"))
    }
}
