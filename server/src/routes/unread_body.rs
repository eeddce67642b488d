//! Ends the connection after an answer given before the request body was
//! read to its end.
//!
//! Handlers often answer early: a 401 before an upload is read, a 413 once
//! the limit is passed. The rest of that body is still on the wire, so the
//! connection cannot carry another request; hyper closes it after the answer.
//! A client that does not know this reuses the pooled connection and its next
//! request fails on a closed socket. `Connection: close` on exactly those
//! answers tells the client, as HTTP/1.1 provides (RFC 9112 §9.6).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};

/// Middleware: requests without a body pass untouched (tiles, search); a
/// body is watched, and an answer sent before it ended says `Connection: close`.
pub async fn close_if_body_unread(request: Request, next: Next) -> Response {
    use http_body::Body as _;
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let finished = Arc::new(AtomicBool::new(false));
    let request = request.map(|body| {
        Body::new(WatchedBody {
            inner: body,
            finished: finished.clone(),
        })
    });
    let mut response = next.run(request).await;
    if !finished.load(Ordering::Acquire) {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// A request body that records when it has been read to its end.
struct WatchedBody {
    inner: Body,
    finished: Arc<AtomicBool>,
}

impl http_body::Body for WatchedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        // The last data frame of a sized body already ends it: readers that
        // stop there (a multipart parser at its closing boundary) read it all.
        let ended = match &polled {
            Poll::Ready(None) => true,
            Poll::Ready(Some(Ok(_))) => self.inner.is_end_stream(),
            _ => false,
        };
        if ended {
            self.finished.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::routing::post;
    use tower::ServiceExt;

    fn app() -> Router {
        Router::new()
            .route("/ignore", post(|| async { "answered early" }))
            .route(
                "/read",
                post(|body: Bytes| async move { body.len().to_string() }),
            )
            .layer(axum::middleware::from_fn(close_if_body_unread))
    }

    async fn send(path: &str, body: Body) -> Response {
        let request = Request::post(path).body(body).unwrap();
        app().oneshot(request).await.unwrap()
    }

    #[tokio::test]
    async fn an_answer_before_the_body_ends_closes_the_connection() {
        let response = send("/ignore", Body::from("x".repeat(4096))).await;
        assert_eq!(response.headers()[header::CONNECTION], "close");
    }

    #[tokio::test]
    async fn a_body_read_to_its_end_keeps_the_connection() {
        let response = send("/read", Body::from("x".repeat(4096))).await;
        assert!(response.headers().get(header::CONNECTION).is_none());
    }

    #[tokio::test]
    async fn a_request_without_a_body_keeps_the_connection() {
        let response = send("/ignore", Body::empty()).await;
        assert!(response.headers().get(header::CONNECTION).is_none());
    }
}
