//! Store errors, with what the store was doing.

use thiserror::Error;

/// A failure of the store of record.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database could not be reached or opened.
    #[error("cannot open the {what} store: {source}")]
    Open {
        /// Which store.
        what: &'static str,
        /// Cause.
        source: sqlx::Error,
    },
    /// Migrations failed.
    #[error("migrating the store failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database error while {doing}: {source}")]
    Query {
        /// What the store was doing.
        doing: String,
        /// Cause.
        source: sqlx::Error,
    },
    /// A stored row does not make a valid feature (the data was changed behind the server's back).
    #[error("stored {layer} feature {id} is invalid: {reason}")]
    Corrupt {
        /// Layer.
        layer: &'static str,
        /// Row id.
        id: i64,
        /// What is wrong.
        reason: String,
    },
    /// Filesystem trouble with the data directory.
    #[error("data directory {path}: {source}")]
    DataDir {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
}

impl StoreError {
    /// Whether the store could not be reached (down, restarting, out of
    /// connections), as opposed to a query or data fault: the first is worth
    /// a retry, the second is not.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Open { .. } => true,
            StoreError::Query { source, .. } => match source {
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed => true,
                // PostgreSQL: class 08 is "connection exception"; 57P01-57P03
                // are an administrator's shutdown and a server still starting.
                // SQLite: 5 and 6 (with their extended codes) are a busy or
                // locked database.
                sqlx::Error::Database(e) => e.code().is_some_and(|code| {
                    code.starts_with("08")
                        || code.starts_with("57P0")
                        || matches!(&*code, "5" | "6" | "261" | "262" | "517" | "773")
                }),
                _ => false,
            },
            _ => false,
        }
    }
}

/// Adds "while ..." context to sqlx results.
pub trait QueryContext<T> {
    /// Labels an error with what was being done.
    fn doing(self, doing: impl FnOnce() -> String) -> Result<T, StoreError>;
}

impl<T> QueryContext<T> for Result<T, sqlx::Error> {
    fn doing(self, doing: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Query {
            doing: doing(),
            source,
        })
    }
}
