//! Site matching, the policy calculator, leads and analytics over real HTTP
//! on the demo data.

use serde_json::{Value, json};
use siteatlas_tests::{STORES, ServerOptions, StoreKind, TestServer, TestStore};

async fn post(
    server: &TestServer,
    path: &str,
    bearer: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut req = server
        .http
        .post(format!("{}{path}", server.base))
        .json(&body);
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

async fn start(kind: StoreKind) -> (TestStore, TestServer) {
    let store = TestStore::new(kind).await;
    let server = TestServer::start(&store, ServerOptions::default()).await;
    (store, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matching_ranks_with_reasons_deterministically() {
    let (_store, server) = start(StoreKind::Sqlite).await;
    let request = json!({"layers": ["plots", "factories"], "criteria": [
        {"field": "area_mu", "min": 30, "max": 80, "hard": true},
        {"field": "price_wan_per_mu", "max": 40, "weight": 2},
        {"field": "industries", "any_of": ["biomedicine"]},
        {"near": "highway_exit", "max_m": 5000}
    ], "limit": 10});
    let r = post(&server, "/api/match", None, request.clone()).await;
    assert_eq!(r.status(), 200);
    let first: Value = r.json().await.unwrap();
    let again: Value = post(&server, "/api/match", None, request)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first, again, "the same request ranks the same way");
    let results = first["results"].as_array().unwrap();
    assert!(!results.is_empty());
    let scores: Vec<i64> = results
        .iter()
        .map(|r| r["score"].as_i64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "sorted by score: {scores:?}"
    );
    {
        let atlas = server.state.atlas.read();
        for r in results {
            assert_eq!(
                r["layer"], "plots",
                "factories have no area_mu, and it is hard"
            );
            let plot = atlas.plots.get(r["id"].as_u64().unwrap()).unwrap();
            let area = plot.attrs.area_mu();
            assert!(
                (30.0..=80.0).contains(&area),
                "hard criterion broken: {area}"
            );
            let criteria = r["criteria"].as_array().unwrap();
            assert_eq!(criteria.len(), 4, "one reason per criterion");
            let price = criteria
                .iter()
                .find(|c| c["field"] == "price_wan_per_mu")
                .unwrap();
            let verdict = match plot.attrs.price_wan_per_mu {
                Some(p) if p <= 40.0 => "met",
                Some(p) if p < 50.0 => "partly",
                _ => "not_met",
            };
            assert_eq!(price["verdict"], verdict, "{price}");
            assert!((0..=100).contains(&r["score"].as_i64().unwrap()));
        }
    }
    // Refusals name the problem.
    for (bad, word) in [
        (
            json!({"criteria": [{"field": "altitude", "max": 3}]}),
            "altitude",
        ),
        (
            json!({"criteria": [{"field": "area_mu", "min": 80, "max": 30}]}),
            "area_mu",
        ),
        (json!({"criteria": [], "limit": 100000}), "limit"),
    ] {
        let r = post(&server, "/api/match", None, bad.clone()).await;
        assert_eq!(r.status(), 400, "{bad}");
        let body: Value = r.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains(word), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_never_lists_a_sold_or_withdrawn_site() {
    let (_store, server) = start(StoreKind::Sqlite).await;
    // The request of the demo's 帮我找地 that ranked reserved LJ2026-11 first
    // and sold LJ2026-14 third.
    let criteria = json!([
        {"field": "area_mu", "min": 30, "max": 80},
        {"field": "price_wan_per_mu", "max": 40},
        {"field": "industries", "any_of": ["new_energy_vehicles"]}
    ]);
    let statuses = |code: &str| -> String {
        let atlas = server.state.atlas.read();
        let plot = atlas.plots.iter().find(|e| e.feature.code == code);
        let factory = atlas.factories.iter().find(|e| e.feature.code == code);
        match (plot, factory) {
            (Some(p), _) => p.feature.attrs.status.as_str().to_owned(),
            (_, Some(f)) => f.feature.attrs.status.as_str().to_owned(),
            _ => panic!("no site {code}"),
        }
    };
    assert_eq!(statuses("LJ2026-14"), "transferred");
    assert_eq!(statuses("LJ2026-11"), "reserved");
    for include_held in [None, Some(false), Some(true)] {
        let mut body = json!({"criteria": criteria, "limit": 200});
        if let Some(h) = include_held {
            body["include_held"] = json!(h);
        }
        let r = post(&server, "/api/match", None, body).await;
        assert_eq!(r.status(), 200);
        let answer: Value = r.json().await.unwrap();
        let results = answer["results"].as_array().unwrap();
        assert!(!results.is_empty());
        for m in results {
            let code = m["code"].as_str().unwrap();
            let status = statuses(code);
            assert_eq!(m["status"], status.as_str(), "{m}");
            assert!(
                !["transferred", "withdrawn", "occupied"].contains(&status.as_str()),
                "{code} is {status}"
            );
            let held = matches!(status.as_str(), "reserved" | "negotiating");
            assert_eq!(m["held"], held, "{m}");
            if include_held != Some(true) {
                assert!(
                    !held,
                    "{code} is {status} but held sites were not asked for"
                );
            }
        }
        let lists = |code: &str| results.iter().any(|m| m["code"] == code);
        assert!(!lists("LJ2026-14"), "the sold plot is listed");
        assert_eq!(lists("LJ2026-11"), include_held == Some(true));
    }
    let r = post(
        &server,
        "/api/match",
        None,
        json!({"criteria": [], "include_held": "yes"}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("include_held"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incentive_rules_and_a_worked_estimate() {
    for kind in STORES {
        incentive_rules_and_a_worked_estimate_on(kind).await;
    }
}

async fn incentive_rules_and_a_worked_estimate_on(kind: StoreKind) {
    let (_store, server) = start(kind).await;
    let admin = server.token("admin", &[]).await;
    let officer = server.token("officer", &[]).await;
    // A plot with a price, and its park.
    let (plot, park, area, price) = {
        let atlas = server.state.atlas.read();
        let p = atlas
            .plots
            .iter()
            .find(|e| e.feature.attrs.price_wan_per_mu.is_some() && e.feature.attrs.park.is_some())
            .unwrap();
        let a = &p.feature.attrs;
        (
            p.feature.id,
            a.park.clone().unwrap(),
            a.area_mu(),
            a.price_wan_per_mu.unwrap(),
        )
    };
    let rules = json!({"park": park, "rules": [
        {"id": "land", "name": "土地出让价格优惠", "kind": "land_price_discount", "applies_to": ["plots"],
         "steps": [{"min_investment_intensity_wan_per_mu": 300.0, "discount_pct": 10.0}, {"min_investment_intensity_wan_per_mu": 500.0, "discount_pct": 20.0}]},
        {"id": "jobs", "name": "新增就业补贴", "kind": "per_job_subsidy", "yuan_per_job": 5000.0, "cap_wan": 20.0}
    ]});
    let put = |bearer: String, body: Value| {
        let server = &server;
        let park = park.clone();
        async move {
            server
                .http
                .put(format!("{}/api/parks/{park}/policy", server.base))
                .bearer_auth(bearer)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(put(officer.clone(), rules.clone()).await.status(), 403);
    let mut broken = rules.clone();
    broken["rules"][0]["steps"][0]["discount_pct"] = json!(150.0);
    assert_eq!(put(admin.clone(), broken).await.status(), 400);
    assert_eq!(put(admin.clone(), rules.clone()).await.status(), 200);
    assert_eq!(
        server
            .get_json(&format!("/api/parks/{park}/policy"), 200)
            .await,
        rules
    );

    // 400 万元 per mu of investment: the 10 % step. 60 jobs x 5 000 元 = 30 万元, capped at 20.
    let investment = 400.0 * area;
    let plan = json!({"investment_wan": investment, "jobs": 60, "expected_tax_wan": 100});
    let r = post(
        &server,
        "/api/policy/estimate",
        None,
        json!({"site": {"layer": "plots", "id": plot}, "plan": plan}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let estimate: Value = r.json().await.unwrap();
    let land = estimate["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "land")
        .unwrap();
    let want = (area * price * 0.10 * 100.0).round() / 100.0;
    assert!(
        (land["amount_wan"].as_f64().unwrap() - want).abs() < 0.011,
        "{land} vs {want}"
    );
    assert!(
        land["explanation"].as_str().unwrap().contains("10"),
        "{land}"
    );
    let jobs = estimate["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "jobs")
        .unwrap();
    assert_eq!(jobs["amount_wan"].as_f64(), Some(20.0), "{jobs}");
    let total = estimate["total_wan"].as_f64().unwrap();
    assert!((total - (want + 20.0)).abs() < 0.011, "{estimate}");
    let r = post(
        &server,
        "/api/policy/estimate",
        None,
        json!({"site": {"layer": "plots", "id": 999999}, "plan": plan}),
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = post(
        &server,
        "/api/policy/estimate",
        None,
        json!({"site": {"layer": "plots", "id": plot}, "plan": {"investment_wan": -5}}),
    )
    .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leads_inbox_pipeline_and_limits() {
    for kind in STORES {
        leads_inbox_pipeline_and_limits_on(kind).await;
    }
}

async fn leads_inbox_pipeline_and_limits_on(kind: StoreKind) {
    let (_store, server) = start(kind).await;
    let promoter = server.token("promoter", &[]).await;
    let officer = server.token("officer", &[]).await;
    let plot = server
        .state
        .atlas
        .read()
        .plots
        .iter()
        .next()
        .unwrap()
        .feature
        .id;
    let lead = json!({"layer": "plots", "feature": plot, "company": "蜀光生物科技有限公司", "contact": "王先生 138 0000 0000", "needs": "40 亩，GMP 车间", "consent": true});
    // Without the investor's consent nothing is kept: 400 naming it.
    for consent in [None, Some(json!(false))] {
        let mut body = lead.clone();
        match consent {
            Some(c) => body["consent"] = c,
            None => {
                body.as_object_mut().unwrap().remove("consent");
            }
        }
        let r = post(&server, "/api/leads", None, body).await;
        assert_eq!(r.status(), 400);
        let answer: Value = r.json().await.unwrap();
        assert!(
            answer["message"].as_str().unwrap().starts_with("consent"),
            "{answer}"
        );
    }
    assert_eq!(
        post(&server, "/api/leads", None, lead.clone())
            .await
            .status(),
        201
    );
    // A bot fills the hidden field: answered alike, kept nowhere.
    let mut bot = lead.clone();
    bot["website"] = json!("http://spam.example");
    assert_eq!(post(&server, "/api/leads", None, bot).await.status(), 201);
    let bad = json!({"company": "", "contact": "x", "consent": true});
    assert_eq!(post(&server, "/api/leads", None, bad).await.status(), 400);

    // The inbox: promoters only, contact shown to them.
    let inbox = |bearer: Option<&str>| {
        let mut req = server.http.get(format!("{}/api/leads", server.base));
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    assert_eq!(inbox(None).await.unwrap().status(), 401);
    assert_eq!(inbox(Some(&officer)).await.unwrap().status(), 403);
    let leads: Value = inbox(Some(&promoter)).await.unwrap().json().await.unwrap();
    assert_eq!(
        leads.as_array().unwrap().len(),
        1,
        "the bot's lead is not kept"
    );
    assert_eq!(leads[0]["contact"], "王先生 138 0000 0000");
    assert_eq!(
        leads[0]["consent"], true,
        "the consent is stored with the lead"
    );
    assert_eq!(leads[0]["status"], "new");
    let id = leads[0]["id"].as_i64().unwrap();

    let patch = |body: Value| {
        server
            .http
            .patch(format!("{}/api/leads/{id}", server.base))
            .bearer_auth(&promoter)
            .json(&body)
            .send()
    };
    let r = patch(json!({"status": "contacted", "assignee": "李经理", "note": "已电话联系"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = patch(json!({"status": "signed"})).await.unwrap();
    let lead: Value = r.json().await.unwrap();
    assert_eq!(lead["status"], "signed");
    assert_eq!(lead["assignee"], "李经理");
    assert_eq!(lead["history"].as_array().unwrap().len(), 2);
    assert_eq!(
        lead["history"][0]["changes"]["status"],
        json!(["contacted", "signed"])
    );
    assert_eq!(lead["history"][1]["note"], "已电话联系");
    assert_eq!(patch(json!({"status": "won"})).await.unwrap().status(), 400);
    assert_eq!(patch(json!({})).await.unwrap().status(), 400);

    // Three enquiries per contact in ten minutes, however the number is
    // written (the first above counts; refusals and the bot's do not).
    let mut statuses = Vec::new();
    for contact in ["13800000000", "+86 138-0000-0000", "0086 138 0000 0000"] {
        let r = post(
            &server,
            "/api/leads",
            None,
            json!({"company": "c", "contact": contact, "consent": true}),
        )
        .await;
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            let wait: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((540..=600).contains(&wait), "{wait}");
            let body: Value = r.json().await.unwrap();
            assert!(
                body["message"]
                    .as_str()
                    .unwrap()
                    .contains("try again in 10 minutes"),
                "{body}"
            );
        }
    }
    assert_eq!(
        statuses,
        vec![201, 201, 429],
        "the contact's limit is reached"
    );
    // Another contact from the same address is not held up.
    let other = json!({"company": "c", "contact": "li@example.com", "consent": true});
    assert_eq!(post(&server, "/api/leads", None, other).await.status(), 201);
}

/// Sends a lead from a client that says it forwards for `forwarded`.
async fn lead_via(server: &TestServer, forwarded: &str, contact: &str) -> u16 {
    server
        .http
        .post(format!("{}/api/leads", server.base))
        .header("x-forwarded-for", forwarded)
        .json(&json!({"company": "某公司", "contact": contact, "consent": true}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leads_are_limited_per_client_behind_a_trusted_proxy_only() {
    let store = TestStore::new(StoreKind::Sqlite).await;
    // The test client connects from 127.0.0.1: here a trusted proxy.
    let behind =
        TestServer::start_behind(&store, ServerOptions::default(), &["127.0.0.1/32"]).await;
    // One office: 30 enquiries in ten minutes, from different people.
    for i in 0..30 {
        let contact = format!("1390000{i:04}");
        assert_eq!(
            lead_via(&behind, "198.51.100.1", &contact).await,
            201,
            "{i}"
        );
    }
    assert_eq!(lead_via(&behind, "198.51.100.1", "13600000000").await, 429);
    // What a client writes to the left of the proxy's entry is not believed.
    assert_eq!(
        lead_via(&behind, "203.0.113.9, 198.51.100.1", "13600000001").await,
        429
    );
    // Another client behind the same proxy has its own allowance.
    assert_eq!(lead_via(&behind, "198.51.100.2", "13600000002").await, 201);
    // Trusted hops on the right are skipped.
    assert_eq!(
        lead_via(&behind, "198.51.100.1, 127.0.0.1", "13600000003").await,
        429
    );

    // Without --trusted-proxy the header is never read: changing it does not
    // escape the connecting address's limit.
    let store = TestStore::new(StoreKind::Sqlite).await;
    let direct = TestServer::start(&store, ServerOptions::default()).await;
    for i in 0..30 {
        let contact = format!("1390000{i:04}");
        let forged = format!("198.51.100.{}", i + 1);
        assert_eq!(lead_via(&direct, &forged, &contact).await, 201, "{i}");
    }
    assert_eq!(lead_via(&direct, "192.0.2.200", "13600000000").await, 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_browser_session_sends_at_most_five_enquiries() {
    let (_store, server) = start(StoreKind::Sqlite).await;
    let send = |contact: String, cookie: Option<String>| {
        let mut req = server
            .http
            .post(format!("{}/api/leads", server.base))
            .json(&json!({"company": "某公司", "contact": contact, "consent": true}));
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };
    // The first enquiry gets the form's session cookie: a random id.
    let first = send("13900000000".into(), None).await.unwrap();
    assert_eq!(first.status(), 201);
    let set = first.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set.starts_with("siteatlas_enquirer="), "{set}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/leads"] {
        assert!(set.contains(attribute), "{set}");
    }
    let cookie = set.split(';').next().unwrap().to_owned();
    // Four more from the same browser, each with another contact; then no more.
    for i in 1..5 {
        let r = send(format!("1390000000{i}"), Some(cookie.clone()))
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{i}");
        assert!(
            r.headers().get("set-cookie").is_none(),
            "the cookie is kept"
        );
    }
    let r = send("13700000000".into(), Some(cookie.clone()))
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    // Another browser behind the same address is not held up.
    assert_eq!(
        send("13700000000".into(), None).await.unwrap().status(),
        201
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_count_real_requests() {
    for kind in STORES {
        analytics_count_real_requests_on(kind).await;
    }
}

async fn analytics_count_real_requests_on(kind: StoreKind) {
    let (_store, server) = start(kind).await;
    let promoter = server.token("promoter", &[]).await;
    let (plot, park) = {
        let atlas = server.state.atlas.read();
        let p = atlas.plots.iter().next().unwrap();
        (p.feature.id, p.feature.attrs.park.clone().unwrap())
    };
    for _ in 0..3 {
        server.get("/api/config").await;
    }
    for _ in 0..5 {
        assert_eq!(
            server.get(&format!("/api/plots/{plot}")).await.status(),
            200
        );
    }
    for _ in 0..2 {
        server.get("/api/search?layer=plots&limit=1").await;
    }
    post(
        &server,
        "/api/match",
        None,
        json!({"criteria": [{"field": "area_mu", "min": 1}]}),
    )
    .await;
    post(
        &server,
        "/api/leads",
        None,
        json!({"layer": "plots", "feature": plot, "company": "c", "contact": "d", "consent": true}),
    )
    .await;

    let anonymous = server.get("/api/stats").await;
    assert_eq!(anonymous.status(), 401);
    let r = server
        .http
        .get(format!("{}/api/stats", server.base))
        .bearer_auth(&promoter)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let stats: Value = r.json().await.unwrap();
    let totals = &stats["totals"];
    assert_eq!(totals["map_visit"], 3, "{stats}");
    assert_eq!(totals["card_view"], 5, "{stats}");
    assert_eq!(totals["search"], 2, "{stats}");
    assert_eq!(totals["match"], 1, "{stats}");
    assert_eq!(totals["lead"], 1, "{stats}");
    assert_eq!(
        stats["funnel"],
        json!({"card_views": 5, "leads": 1, "signed": 0})
    );
    assert_eq!(stats["top_sites"][0]["id"], plot);
    assert_eq!(stats["top_sites"][0]["views"], 5);
    assert_eq!(stats["top_sites"][0]["leads"], 1);
    let weekly = stats["weekly_views_by_park"].as_array().unwrap();
    assert_eq!(weekly.len(), 1, "{stats}");
    assert_eq!(weekly[0]["park"], park.as_str());
    assert_eq!(weekly[0]["views"], 5);
    // No personal data in the analytics.
    assert!(!stats.to_string().contains("\"contact\""));
    let r = server
        .http
        .get(format!("{}/api/stats?from=2026-02-30", server.base))
        .bearer_auth(&promoter)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
