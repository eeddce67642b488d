//! The staff back office's API: attribute edits of plots and factories,
//! tokens managed over HTTP, and incentive estimates under rules not yet saved.

use serde_json::{Value, json};
use siteatlas_tests::{STORES, ServerOptions, StoreKind, TestServer, TestStore};

async fn start(kind: StoreKind) -> (TestStore, TestServer) {
    let store = TestStore::new(kind).await;
    let server = TestServer::start(&store, ServerOptions::default()).await;
    (store, server)
}

/// A token of a role for some parks, named `name`, straight into the store.
async fn token(server: &TestServer, name: &str, role: &str, parks: &[&str]) -> String {
    let t = siteatlas_server::auth::new_token().unwrap();
    let parks: Vec<String> = parks.iter().map(|p| p.to_string()).collect();
    server
        .state
        .store
        .create_token(
            name,
            role,
            &parks,
            &siteatlas_server::session::token_hash(&t),
        )
        .await
        .unwrap();
    t
}

async fn etag(server: &TestServer, layer: &str, id: u64) -> String {
    server.get(&format!("/api/{layer}/{id}")).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned()
}

async fn patch(
    server: &TestServer,
    layer: &str,
    id: u64,
    token: &str,
    if_match: &str,
    body: Value,
) -> reqwest::Response {
    server
        .http
        .patch(format!("{}/api/{layer}/{id}", server.base))
        .bearer_auth(token)
        .header("if-match", if_match)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The first plot of the demo data with a price, and its park.
fn priced_plot(server: &TestServer) -> (u64, String) {
    let atlas = server.state.atlas.read();
    let e = atlas
        .plots
        .iter()
        .find(|e| e.feature.attrs.price_wan_per_mu.is_some() && e.feature.attrs.park.is_some())
        .unwrap();
    (e.feature.id, e.feature.attrs.park.clone().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attribute_edits() {
    for kind in STORES {
        attribute_edits_on(kind).await;
    }
}

async fn attribute_edits_on(kind: StoreKind) {
    let (_store, server) = start(kind).await;
    let (plot, park) = priced_plot(&server);
    let officer = token(&server, "属性专员", "officer", &[&park]).await;
    let outsider = token(&server, "外园专员", "officer", &["NO-SUCH-PARK"]).await;

    // Every kind of field at once: text, vocabulary, numbers, ratios, yes/no, free text.
    let tag = etag(&server, "plots", plot).await;
    let r = patch(
        &server,
        "plots",
        plot,
        &officer,
        &tag,
        json!({"note": "挂牌价调整", "name": "新名称地块", "land_use": "logistics",
               "price_wan_per_mu": 12345.5, "plot_ratio_min": 1.2, "plot_ratio_max": 2.5,
               "building_density_max": 0.5, "green_ratio_max": 0.15, "height_limit_m": 40,
               "investment_intensity_wan_per_mu": 350, "tax_per_mu_wan": 30, "power_kva": 2000,
               "water": "是", "gas": false, "steam": null, "contact": "  王先生 028-12345678 "}),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let new_tag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_tag, tag);
    let feature: Value = r.json().await.unwrap();
    let p = &feature["properties"];
    assert_eq!(p["name"], "新名称地块");
    assert_eq!(p["land_use"], "logistics");
    assert_eq!(p["price_wan_per_mu"], 12345.5);
    assert_eq!(
        p["water"], true,
        "a yes written as 是 is stored as the model writes it"
    );
    assert_eq!(p["gas"], false);
    assert!(p.get("steam").is_none(), "null clears a field: {p}");
    assert_eq!(p["contact"], "王先生 028-12345678");

    // Search sees the new price and land use at once.
    let found = server
        .get_json(
            "/api/search?layer=plots&land_use=logistics&min_price=12345&limit=100",
            200,
        )
        .await;
    let ids: Vec<u64> = found["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_u64().unwrap())
        .collect();
    assert!(ids.contains(&plot), "search sees the new price: {ids:?}");

    // The audit row holds the old and new values, the note and who.
    let history = server
        .get_json(&format!("/api/plots/{plot}/history"), 200)
        .await;
    let last = &history[0];
    assert_eq!(last["actor"], "属性专员");
    assert_eq!(last["note"], "挂牌价调整");
    assert_eq!(last["new_values"]["price_wan_per_mu"], 12345.5);
    assert!(last["old_values"]["price_wan_per_mu"].is_number(), "{last}");
    assert_eq!(last["new_values"]["steam"], Value::Null);

    // Bad values: 400 naming the field, nothing written.
    for (body, field) in [
        (json!({"price_wan_per_mu": -1}), "price_wan_per_mu"),
        (json!({"price_wan_per_mu": "cheap"}), "price_wan_per_mu"),
        (json!({"building_density_max": 1.5}), "building_density_max"),
        (
            json!({"plot_ratio_min": 9, "plot_ratio_max": 2}),
            "plot_ratio_min",
        ),
        (json!({"land_use": "farming"}), "land_use"),
        (json!({"water": "maybe"}), "water"),
        (json!({"name": null}), "name"),
        (json!({"code": "X-1"}), "code"),
        (json!({"area_mu": 3}), "area_mu"),
        (json!({"contact": 5}), "contact"),
        (json!({"park": "NO-SUCH-PARK"}), "park"),
    ] {
        let mut body = body;
        body["note"] = json!("试一试");
        let r = patch(&server, "plots", plot, &officer, &new_tag, body.clone()).await;
        assert_eq!(r.status(), 400, "{body}");
        let error: Value = r.json().await.unwrap();
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{field}:")),
            "{body}: {error}"
        );
    }
    let r = patch(
        &server,
        "plots",
        plot,
        &officer,
        &new_tag,
        json!({"price_wan_per_mu": 1}),
    )
    .await;
    assert_eq!(r.status(), 400, "a note is required");
    assert_eq!(
        etag(&server, "plots", plot).await,
        new_tag,
        "refused edits wrote nothing"
    );

    // A stale ETag: 412 with the feature as it now is.
    let r = patch(
        &server,
        "plots",
        plot,
        &officer,
        &tag,
        json!({"note": "旧版本", "price_wan_per_mu": 1}),
    )
    .await;
    assert_eq!(r.status(), 412);
    let current: Value = r.json().await.unwrap();
    assert_eq!(current["properties"]["price_wan_per_mu"], 12345.5);

    // An officer of another park, or moving the plot to a park not theirs: 403.
    let r = patch(
        &server,
        "plots",
        plot,
        &outsider,
        &new_tag,
        json!({"note": "越权", "price_wan_per_mu": 1}),
    )
    .await;
    assert_eq!(r.status(), 403);
    let other_park = server
        .state
        .atlas
        .read()
        .parks
        .iter()
        .map(|e| e.feature.code.clone())
        .find(|c| *c != park)
        .unwrap();
    let r = patch(
        &server,
        "plots",
        plot,
        &officer,
        &new_tag,
        json!({"note": "移出", "park": other_park}),
    )
    .await;
    assert_eq!(r.status(), 403);

    // Factories: their own fields, checked against each other.
    let (factory, factory_park, total) = {
        let atlas = server.state.atlas.read();
        let f = atlas
            .factories
            .iter()
            .find(|e| e.feature.attrs.total_area_m2.is_some())
            .unwrap();
        (
            f.feature.id,
            f.feature.attrs.park.clone().unwrap(),
            f.feature.attrs.total_area_m2.unwrap(),
        )
    };
    let keeper = token(&server, "厂房专员", "officer", &[&factory_park]).await;
    let tag = etag(&server, "factories", factory).await;
    let r = patch(
        &server,
        "factories",
        factory,
        &keeper,
        &tag,
        json!({"note": "复核", "available_area_m2": total + 1.0}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let error: Value = r.json().await.unwrap();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("available_area_m2:"),
        "{error}"
    );
    let r = patch(
        &server,
        "factories",
        factory,
        &keeper,
        &tag,
        json!({"note": "复核", "floors": 3, "clear_height_m": 9.5, "crane_t": 10,
               "floor_load_kn_m2": 15, "rent_yuan_m2_month": 18, "name": "一号标准厂房"}),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let found = server
        .get_json(
            &format!("/api/search?layer=factories&park={factory_park}&limit=100"),
            200,
        )
        .await;
    let shown = found["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == factory)
        .unwrap();
    assert_eq!(shown["properties"]["clear_height_m"], 9.5);
    assert_eq!(shown["properties"]["name"], "一号标准厂房");
    let r = patch(
        &server,
        "factories",
        factory,
        &keeper,
        &etag(&server, "factories", factory).await,
        json!({"note": "x", "floors": -2}),
    )
    .await;
    assert_eq!(r.status(), 400);
}

async fn tokens_request(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = server
        .http
        .request(method, format!("{}{path}", server.base));
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_over_http() {
    for kind in STORES {
        tokens_over_http_on(kind).await;
    }
}

async fn tokens_over_http_on(kind: StoreKind) {
    use reqwest::Method;
    let (_store, server) = start(kind).await;
    let admin = token(&server, "管理员", "admin", &[]).await;
    let promoter = token(&server, "招商", "promoter", &[]).await;
    let park = server
        .state
        .atlas
        .read()
        .parks
        .iter()
        .next()
        .unwrap()
        .feature
        .code
        .clone();

    // Refusals: no token, a promoter, a revoked or unknown token.
    let new = json!({"role": "officer", "name": "新专员", "parks": [park]});
    for (bearer, status) in [(None, 401), (Some("sa_nope"), 401), (Some(&*promoter), 403)] {
        for (method, path, body) in [
            (Method::GET, "/api/admin/tokens", None),
            (Method::POST, "/api/admin/tokens", Some(new.clone())),
            (Method::DELETE, "/api/admin/tokens/1", None),
        ] {
            let r = tokens_request(&server, method.clone(), path, bearer, body).await;
            assert_eq!(r.status(), status, "{method} {path} as {bearer:?}");
        }
    }

    // Validation.
    for (body, field) in [
        (
            json!({"role": "superuser", "name": "x", "parks": []}),
            "role",
        ),
        (
            json!({"role": "promoter", "name": "  ", "parks": []}),
            "name",
        ),
        (
            json!({"role": "officer", "name": "x", "parks": []}),
            "parks",
        ),
        (
            json!({"role": "officer", "name": "x", "parks": ["NO-SUCH-PARK"]}),
            "parks",
        ),
    ] {
        let r = tokens_request(
            &server,
            Method::POST,
            "/api/admin/tokens",
            Some(&admin),
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status(), 400, "{body}");
        let error: Value = r.json().await.unwrap();
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{field}:")),
            "{error}"
        );
    }
    let r = tokens_request(
        &server,
        Method::DELETE,
        "/api/admin/tokens/abc",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status(), 400);
    let r = tokens_request(
        &server,
        Method::DELETE,
        "/api/admin/tokens/999999",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status(), 404);
    let own_id = server.state.store.list_tokens().await.unwrap()[0].id;
    let r = tokens_request(
        &server,
        Method::DELETE,
        &format!("/api/admin/tokens/{own_id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status(), 409, "an admin cannot revoke the token in hand");
    let before = server.state.store.list_tokens().await.unwrap().len();
    assert_eq!(before, 2, "refused requests created nothing");

    // Create: the token is answered once and works.
    let r = tokens_request(
        &server,
        Method::POST,
        "/api/admin/tokens",
        Some(&admin),
        Some(new),
    )
    .await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let officer = created["token"].as_str().unwrap().to_owned();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["role"], "officer");
    assert_eq!(created["parks"], json!([park]));
    let r = tokens_request(&server, Method::GET, "/api/session", Some(&officer), None).await;
    let session: Value = r.json().await.unwrap();
    assert_eq!(session["name"], "新专员", "{session}");

    // List: every token, never the secret.
    let r = tokens_request(
        &server,
        Method::GET,
        "/api/admin/tokens",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(!text.contains(&officer));
    let list: Value = serde_json::from_str(&text).unwrap();
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap();
    assert_eq!(listed["name"], "新专员");
    assert_eq!(listed["revoked"], false);
    assert!(listed.get("token").is_none());

    // Revoke: it stops working at once; a second revoke is 404.
    let path = format!("/api/admin/tokens/{id}");
    let r = tokens_request(&server, Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(r.status(), 204);
    let r = tokens_request(&server, Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(r.status(), 404);
    let r = tokens_request(&server, Method::GET, "/api/leads", Some(&officer), None).await;
    assert_eq!(r.status(), 401, "a revoked token is refused");
    let r = tokens_request(
        &server,
        Method::POST,
        "/api/session",
        None,
        Some(json!({"token": officer})),
    )
    .await;
    assert_eq!(r.status(), 401, "a revoked token cannot sign in");
    let list: Value = tokens_request(
        &server,
        Method::GET,
        "/api/admin/tokens",
        Some(&admin),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id && t["revoked"] == true)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn estimate_with_unsaved_rules() {
    let (_store, server) = start(StoreKind::Sqlite).await;
    let (plot, park) = priced_plot(&server);
    let estimate = |body: Value| {
        let server = &server;
        async move {
            server
                .http
                .post(format!("{}/api/policy/estimate", server.base))
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let plan = json!({"investment_wan": 5000, "jobs": 100});
    // Whatever the park has published stays as it is.
    let published = server
        .get_json(&format!("/api/parks/{park}/policy"), 200)
        .await;
    // The site under rules in the body alone: 100 jobs x 3 000 元 = 30 万元.
    let rules = json!([{"id": "jobs", "name": "就业补贴", "kind": "per_job_subsidy", "yuan_per_job": 3000}]);
    let r = estimate(json!({"site": {"layer": "plots", "id": plot}, "plan": plan, "rules": rules}))
        .await;
    assert_eq!(r.status(), 200);
    let preview: Value = r.json().await.unwrap();
    assert_eq!(preview["park"], park);
    let ids: Vec<&str> = preview["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["jobs"], "only the rules in the body: {preview}");
    assert_eq!(preview["total_wan"].as_f64(), Some(30.0), "{preview}");
    // Nothing was saved.
    assert_eq!(
        server
            .get_json(&format!("/api/parks/{park}/policy"), 200)
            .await,
        published
    );
    // Invalid unsaved rules are refused as a save refuses them.
    let bad = json!([{"id": "x", "name": "x", "kind": "investment_share", "share_pct": 150}]);
    let r =
        estimate(json!({"site": {"layer": "plots", "id": plot}, "plan": plan, "rules": bad})).await;
    assert_eq!(r.status(), 400);
    let r =
        estimate(json!({"site": {"layer": "plots", "id": plot}, "plan": plan, "rules": {"x": 1}}))
            .await;
    assert_eq!(r.status(), 400);
}
