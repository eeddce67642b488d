//! The API's error answer: `{"error": "<code>", "message": "<what is wrong>"}`.
//!
//! Client errors keep their status and message; internal errors are logged
//! with their cause and the client sees a generic 500.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use siteatlas_tiles::{SearchError, TileError};

use crate::store::StoreError;

/// What a 503 asks clients to wait before retrying, seconds.
pub const RETRY_AFTER_SECONDS: u32 = 2;

/// An error answered to an HTTP client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
/// The body of every error answer.
pub struct ErrorBody {
    /// Stable machine-readable code, such as `invalid_parameter`.
    pub error: &'static str,
    /// What is wrong, for people.
    pub message: String,
}

impl ApiError {
    /// A 400 naming the parameter at fault.
    pub fn bad_parameter(name: &str, reason: impl std::fmt::Display) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_parameter",
            message: format!("{name}: {reason}"),
        }
    }

    /// A 404.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: what.into(),
        }
    }

    /// What is wrong, for people (as the answer's `message`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// A 403 saying why.
    pub fn forbidden(why: impl Into<String>) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            message: why.into(),
        }
    }

    /// A 409 with a code for clients to act on.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::CONFLICT,
            code,
            message: message.into(),
        }
    }

    /// Any status with a code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// A 500 whose cause is logged, not shown.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "internal error; the cause has been logged".into(),
        }
    }

    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code,
            message: self.message,
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            // Pools reconnect by themselves; a client that waits this long
            // and retries finds the store back after a restart.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        response
    }
}

impl From<TileError> for ApiError {
    fn from(e: TileError) -> Self {
        match e {
            TileError::Encode(_) => ApiError::internal(e),
            TileError::UnknownLayer(_) | TileError::NoLayers => {
                Self::new(StatusCode::NOT_FOUND, "unknown_layer", e.to_string())
            }
            _ => Self::new(StatusCode::BAD_REQUEST, "invalid_tile", e.to_string()),
        }
    }
}

impl From<SearchError> for ApiError {
    fn from(e: SearchError) -> Self {
        Self::bad_parameter(&e.field, e.reason)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            tracing::error!(cause = %e, "store unavailable");
            Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "the store of record did not answer; retry shortly",
            )
        } else {
            ApiError::internal(e)
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad_parameter("query", rejection.body_text())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            _ => "invalid_json",
        };
        Self::new(status, code, rejection.body_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_error(source: sqlx::Error) -> Response {
        ApiError::from(StoreError::Query {
            doing: "testing".into(),
            source,
        })
        .into_response()
    }

    #[test]
    fn an_unreachable_store_asks_clients_to_retry() {
        for source in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into()),
        ] {
            let response = store_error(source);
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        }
    }

    #[test]
    fn a_query_fault_is_not_called_unavailability() {
        let response = store_error(sqlx::Error::RowNotFound);
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.headers().get(header::RETRY_AFTER).is_none());
    }
}
