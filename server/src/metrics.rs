//! Request counters and latency histograms per route, in Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use parking_lot::Mutex;

/// Latency bucket bounds, seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default, Clone)]
struct RouteStats {
    count: u64,
    sum_seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Per-route request statistics.
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String, u16), RouteStats>>,
}

impl Metrics {
    /// Records one request.
    pub fn observe(&self, method: &str, route: &str, status: u16, latency: Duration) {
        let secs = latency.as_secs_f64();
        let mut routes = self.routes.lock();
        let s = routes
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default();
        s.count += 1;
        s.sum_seconds += secs;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                s.buckets[i] += 1;
            }
        }
    }

    /// Writes the request metrics in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        let routes = self.routes.lock().clone();
        out.push_str("# HELP siteatlas_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE siteatlas_http_requests_total counter\n");
        for ((method, route, status), s) in &routes {
            let _ = writeln!(
                out,
                "siteatlas_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}",
                s.count
            );
        }
        out.push_str(
            "# HELP siteatlas_http_request_duration_seconds HTTP request latency by route.\n",
        );
        out.push_str("# TYPE siteatlas_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(String, String), RouteStats> = BTreeMap::new();
        for ((method, route, _), s) in routes {
            let agg = by_route.entry((method, route)).or_default();
            agg.count += s.count;
            agg.sum_seconds += s.sum_seconds;
            for (a, b) in agg.buckets.iter_mut().zip(s.buckets) {
                *a += b;
            }
        }
        for ((method, route), s) in by_route {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (bound, n) in BUCKETS.iter().zip(s.buckets) {
                let _ = writeln!(
                    out,
                    "siteatlas_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "siteatlas_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "siteatlas_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_seconds
            );
            let _ = writeln!(
                out,
                "siteatlas_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
    }
}
