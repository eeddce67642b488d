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

/// Statistics by route, method and status, nested so that recording a
/// request looks up borrowed strings and allocates nothing after the first
/// request of its kind (this runs on every tile served from the cache).
type ByRoute = BTreeMap<String, BTreeMap<String, BTreeMap<u16, RouteStats>>>;

/// Per-route request statistics.
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<ByRoute>,
}

impl Metrics {
    /// Records one request.
    pub fn observe(&self, method: &str, route: &str, status: u16, latency: Duration) {
        let secs = latency.as_secs_f64();
        let mut routes = self.routes.lock();
        if !routes.contains_key(route) {
            routes.insert(route.to_owned(), BTreeMap::new());
        }
        let methods = routes.get_mut(route).expect("inserted above");
        if !methods.contains_key(method) {
            methods.insert(method.to_owned(), BTreeMap::new());
        }
        let s = methods
            .get_mut(method)
            .expect("inserted above")
            .entry(status)
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
        let routes: Vec<((String, String, u16), RouteStats)> = {
            let by_route = self.routes.lock();
            let mut flat = Vec::new();
            for (route, methods) in by_route.iter() {
                for (method, statuses) in methods {
                    for (status, s) in statuses {
                        flat.push(((method.clone(), route.clone(), *status), s.clone()));
                    }
                }
            }
            flat.sort_by(|a, b| a.0.cmp(&b.0));
            flat
        };
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
