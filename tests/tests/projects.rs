//! The promotion pipeline end to end, on both stores: a lead taken up as a
//! project and followed to production with its plot's status following;
//! a lost project freeing its reservation once confirmed; referrals
//! credited through a partner's link and token; and a partner who sees its
//! own referrals and nothing else.

use reqwest::Method;
use serde_json::{Value, json};
use siteatlas_server::auth::new_token;
use siteatlas_server::session::token_hash;
use siteatlas_tests::{STORES, ServerOptions, TestServer, TestStore, siteatlas_bin};
use siteatlas_tiles::PlotStatus;

async fn token(server: &TestServer, name: &str, role: &str, parks: &[&str]) -> String {
    let t = new_token().unwrap();
    let parks: Vec<String> = parks.iter().map(|p| p.to_string()).collect();
    server
        .state
        .store
        .create_token(name, role, &parks, &token_hash(&t))
        .await
        .unwrap();
    t
}

/// Sends a request with a bearer token (if any) and a JSON body (if any):
/// (status, JSON body or null, ETag).
async fn call(
    server: &TestServer,
    method: Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
    if_match: Option<&str>,
) -> (u16, Value, Option<String>) {
    let mut req = server
        .http
        .request(method, format!("{}{path}", server.base));
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some(m) = if_match {
        req = req.header("if-match", m);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let tag = r
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        tag,
    )
}

/// Plots of the demo data with a status, in one park: (ids, park).
fn plots_with(server: &TestServer, status: PlotStatus, n: usize) -> (Vec<u64>, String) {
    let atlas = server.state.atlas.read();
    let park = atlas
        .plots
        .iter()
        .filter(|e| e.feature.attrs.status == status)
        .filter_map(|e| e.feature.attrs.park.clone())
        .find(|park| {
            atlas
                .plots
                .iter()
                .filter(|e| {
                    e.feature.attrs.status == status
                        && e.feature.attrs.park.as_deref() == Some(park)
                })
                .count()
                >= n
        })
        .unwrap();
    let ids = atlas
        .plots
        .iter()
        .filter(|e| {
            e.feature.attrs.status == status && e.feature.attrs.park.as_deref() == Some(&park)
        })
        .map(|e| e.feature.id)
        .take(n)
        .collect();
    (ids, park)
}

async fn plot_tag(server: &TestServer, id: u64) -> String {
    server.get(&format!("/api/plots/{id}")).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned()
}

async fn move_plot(
    server: &TestServer,
    officer: &str,
    id: u64,
    body: Value,
) -> (u16, Value, Option<String>) {
    let tag = plot_tag(server, id).await;
    call(
        server,
        Method::PATCH,
        &format!("/api/plots/{id}"),
        Some(officer),
        Some(body),
        Some(&tag),
    )
    .await
}

async fn move_project(
    server: &TestServer,
    promoter: &str,
    id: i64,
    body: Value,
) -> (u16, Value, Option<String>) {
    let (_, _, tag) = call(
        server,
        Method::GET,
        &format!("/api/projects/{id}"),
        Some(promoter),
        None,
        None,
    )
    .await;
    call(
        server,
        Method::PATCH,
        &format!("/api/projects/{id}"),
        Some(promoter),
        Some(body),
        tag.as_deref(),
    )
    .await
}

fn enquiry(company: &str, contact: &str) -> Value {
    json!({"company": company, "contact": contact, "needs": "30 亩工业用地", "consent": true})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_from_lead_to_production_with_its_plot_following() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let (plots, park) = plots_with(&server, PlotStatus::Available, 1);
        let plot = plots[0];
        let officer = token(&server, "王科长", "officer", &[&park]).await;
        let promoter = token(&server, "张招商", "promoter", &[]).await;

        // The investor's enquiry, taken up as a project.
        let (status, _, _) = call(
            &server,
            Method::POST,
            "/api/leads",
            None,
            Some(enquiry("成都新材料有限公司", "李总 13800000001")),
            None,
        )
        .await;
        assert_eq!(status, 201, "{kind:?}");
        let (_, leads, _) = call(
            &server,
            Method::GET,
            "/api/leads",
            Some(&promoter),
            None,
            None,
        )
        .await;
        let lead = leads[0]["id"].as_i64().unwrap();
        assert_eq!(leads[0]["source"], "map");
        let (status, project, tag) = call(
            &server,
            Method::POST,
            "/api/projects",
            Some(&promoter),
            Some(json!({"lead": lead, "industry": "新材料", "investment_wan": 50000, "output_wan": 80000,
                "tax_wan": 3000, "jobs": 300, "park": park, "note": "首次洽谈"})),
            None,
        )
        .await;
        assert_eq!(status, 201, "{kind:?}: {project}");
        let id = project["id"].as_i64().unwrap();
        assert_eq!(project["company"], "成都新材料有限公司");
        assert_eq!(project["stage"], "talks");
        assert_eq!(project["source"], "map");
        assert_eq!(project["assignee"], "张招商");
        assert_eq!(project["stages"][0]["stage"], "talks");
        assert_eq!(project["stages"][0]["responsible"], "张招商");
        assert!(tag.is_some());
        // A lead becomes one project only.
        let (status, body, _) = call(
            &server,
            Method::POST,
            "/api/projects",
            Some(&promoter),
            Some(json!({"lead": lead})),
            None,
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("lead_taken_up"))
        );
        // Officers see projects, do not run them.
        assert_eq!(
            call(
                &server,
                Method::GET,
                "/api/projects",
                Some(&officer),
                None,
                None
            )
            .await
            .0,
            200
        );
        assert_eq!(
            call(
                &server,
                Method::POST,
                "/api/projects",
                Some(&officer),
                Some(json!({"company": "x"})),
                None
            )
            .await
            .0,
            403
        );

        // The officer reserves the plot for the project; its card shows
        // the project to staff, and the public never sees it.
        let (status, body, _) = move_plot(
            &server,
            &officer,
            plot,
            json!({"status": "reserved", "project": id, "note": "为新材料项目预留"}),
        )
        .await;
        assert_eq!(status, 200, "{kind:?}: {body}");
        assert!(body["properties"].get("project").is_none(), "{body}");
        let (status, of_site, _) = call(
            &server,
            Method::GET,
            &format!("/api/plots/{plot}/project"),
            Some(&officer),
            None,
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(of_site["project"]["id"], id);
        assert_eq!(of_site["project"]["site_status"], "reserved");
        assert_eq!(
            server
                .get(&format!("/api/plots/{plot}/project"))
                .await
                .status(),
            401
        );
        let public = server.get_json(&format!("/api/plots/{plot}"), 200).await;
        assert!(!public.to_string().contains("新材料有限公司"), "{public}");
        let history = server
            .get_json(&format!("/api/plots/{plot}/history"), 200)
            .await;
        assert!(!history.to_string().contains("新材料有限公司"));

        // Not yet signed: the plot cannot be transferred to it.
        let (status, body, _) = move_plot(
            &server,
            &officer,
            plot,
            json!({"status": "negotiating", "note": "谈判"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let (status, body, _) = move_plot(
            &server,
            &officer,
            plot,
            json!({"status": "transferred", "note": "出让"}),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("project_not_signed")),
            "{body}"
        );
        // A project that does not exist, or a plot that a project cannot hold.
        let (status, body, _) = move_plot(
            &server,
            &officer,
            plot,
            json!({"project": 999_999, "note": "n"}),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert!(body["message"].as_str().unwrap().starts_with("project"));

        // Stage changes are audited: If-Match, a note, dates and who answers.
        let (status, _, _) = call(
            &server,
            Method::PATCH,
            &format!("/api/projects/{id}"),
            Some(&promoter),
            Some(json!({"stage": "signed", "note": "n"})),
            None,
        )
        .await;
        assert_eq!(status, 428);
        let (status, body, _) = call(
            &server,
            Method::PATCH,
            &format!("/api/projects/{id}"),
            Some(&promoter),
            Some(json!({"stage": "signed", "note": "n"})),
            Some("\"project-1-v0\""),
        )
        .await;
        assert_eq!(status, 412, "{body}");
        let (status, body, _) =
            move_project(&server, &promoter, id, json!({"stage": "signed"})).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["message"].as_str().unwrap().starts_with("note"));
        let (status, body, _) = move_project(
            &server,
            &promoter,
            id,
            json!({"stage": "signed", "stage_date": "2026-02-30", "note": "签约"}),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        let (status, body, _) = move_project(
            &server,
            &promoter,
            id,
            json!({"stage": "signed", "stage_date": "2026-11-20", "responsible": "刘局长", "note": "投资协议签约"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["stage"], "signed");

        // Signed: the officer transfers the plot; it stays the project's.
        let (status, body, _) = move_plot(
            &server,
            &officer,
            plot,
            json!({"status": "transferred", "note": "挂牌出让成交"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["properties"]["status"], "transferred");

        for (stage, date) in [
            ("registered", "2026-11-25"),
            ("site_secured", "2026-12-01"),
            ("started", "2027-03-01"),
            ("producing", "2028-01-15"),
        ] {
            let (status, body, _) = move_project(
                &server,
                &promoter,
                id,
                json!({"stage": stage, "stage_date": date, "note": format!("{stage}")}),
            )
            .await;
            assert_eq!(status, 200, "{stage}: {body}");
        }
        let (_, project, _) = call(
            &server,
            Method::GET,
            &format!("/api/projects/{id}"),
            Some(&promoter),
            None,
            None,
        )
        .await;
        assert_eq!(project["stage"], "producing");
        let stages: Vec<(&str, &str)> = project["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["stage"].as_str().unwrap(),
                    s["reached_on"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(stages.len(), 6, "{project}");
        assert!(stages.contains(&("signed", "2026-11-20")));
        assert!(stages.contains(&("producing", "2028-01-15")));
        let signed = project["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["stage"] == "signed")
            .unwrap();
        assert_eq!(signed["responsible"], "刘局长");
        assert_eq!(project["sites"][0]["id"], plot);
        assert_eq!(project["sites"][0]["status"], "transferred");
        // History, newest first: 5 stage changes, 3 site moves, the creation.
        let history = project["history"].as_array().unwrap();
        assert_eq!(history.len(), 1 + 3 + 5, "{project}");
        assert_eq!(
            history[0]["changes"]["stage"],
            json!(["started", "producing"])
        );
        assert_eq!(history.last().unwrap()["note"], "首次洽谈");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_project_frees_its_reservations_once_confirmed() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let (plots, park) = plots_with(&server, PlotStatus::Available, 2);
        let officer = token(&server, "officer", "officer", &[&park]).await;
        let promoter = token(&server, "promoter", "promoter", &[]).await;
        let (status, project, _) = call(
            &server,
            Method::POST,
            "/api/projects",
            Some(&promoter),
            Some(json!({"company": "某电子科技", "source": "event", "park": park})),
            None,
        )
        .await;
        assert_eq!(status, 201, "{project}");
        assert_eq!(project["source"], "event");
        let id = project["id"].as_i64().unwrap();
        for plot in &plots {
            let (status, body, _) = move_plot(
                &server,
                &officer,
                *plot,
                json!({"status": "reserved", "project": id, "note": "预留"}),
            )
            .await;
            assert_eq!(status, 200, "{body}");
        }
        // Lost without confirming: told which sites would be freed.
        let (status, body, _) = move_project(
            &server,
            &promoter,
            id,
            json!({"stage": "lost", "note": "企业另选他处"}),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("confirm_release")),
            "{body}"
        );
        for plot in &plots {
            assert!(
                body["message"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("plots {plot}"))
            );
        }
        let (_, still, _) = call(
            &server,
            Method::GET,
            &format!("/api/projects/{id}"),
            Some(&promoter),
            None,
            None,
        )
        .await;
        assert_eq!(still["stage"], "talks");
        // Confirmed: the plots are available again, audited, and free.
        let (status, body, _) = move_project(
            &server,
            &promoter,
            id,
            json!({"stage": "lost", "note": "企业另选他处", "release_sites": true}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["stage"], "lost");
        assert_eq!(body["sites"], json!([]));
        for plot in &plots {
            let f = server.get_json(&format!("/api/plots/{plot}"), 200).await;
            assert_eq!(f["properties"]["status"], "available");
            let history = server
                .get_json(&format!("/api/plots/{plot}/history"), 200)
                .await;
            assert_eq!(history[0]["actor"], "promoter");
            assert!(
                history[0]["note"]
                    .as_str()
                    .unwrap()
                    .contains("企业另选他处")
            );
            let (_, of_site, _) = call(
                &server,
                Method::GET,
                &format!("/api/plots/{plot}/project"),
                Some(&officer),
                None,
                None,
            )
            .await;
            assert_eq!(of_site["project"], Value::Null);
        }
        // A lost project holds nothing new.
        let (status, body, _) = move_plot(
            &server,
            &officer,
            plots[0],
            json!({"status": "reserved", "project": id, "note": "n"}),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("project_lost"))
        );
        // Plots reserved without a project, and freed, need no project.
        let (status, _, _) = move_plot(
            &server,
            &officer,
            plots[0],
            json!({"status": "reserved", "note": "意向"}),
        )
        .await;
        assert_eq!(status, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn referrals_are_credited_and_partners_see_only_their_own() {
    for kind in STORES {
        let store = TestStore::new(kind).await;
        let server = TestServer::start(&store, ServerOptions::default()).await;
        let admin = token(&server, "admin", "admin", &[]).await;
        let promoter = token(&server, "promoter", "promoter", &[]).await;

        // Partners are made by admins only.
        let (status, _, _) = call(
            &server,
            Method::POST,
            "/api/partners",
            Some(&promoter),
            Some(json!({"name": "x", "kind": "ambassador"})),
            None,
        )
        .await;
        assert_eq!(status, 403);
        let (status, body, _) = call(
            &server,
            Method::POST,
            "/api/partners",
            Some(&admin),
            Some(json!({"name": "x", "kind": "friend"})),
            None,
        )
        .await;
        assert_eq!(status, 400);
        assert!(body["message"].as_str().unwrap().starts_with("kind"));
        let (status, ambassador, _) = call(
            &server,
            Method::POST,
            "/api/partners",
            Some(&admin),
            Some(json!({"name": "招商大使 陈先生", "kind": "ambassador"})),
            None,
        )
        .await;
        assert_eq!(status, 201, "{ambassador}");
        let code = ambassador["code"].as_str().unwrap().to_owned();
        assert!(
            ambassador["link"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/r/{code}"))
        );
        let (_, chamber, _) = call(
            &server,
            Method::POST,
            "/api/partners",
            Some(&admin),
            Some(json!({"name": "浙江商会", "kind": "alliance"})),
            None,
        )
        .await;

        // The personal link opens the map with the code; a stale code opens the map.
        let no_redirects = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = no_redirects
            .get(format!("{}/r/{code}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], format!("/?ref={code}"));
        let r = no_redirects
            .get(format!("{}/r/nosuchcode", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["location"], "/");
        let qr = server
            .http
            .get(format!(
                "{}/api/partners/{}/qr.svg",
                server.base, ambassador["id"]
            ))
            .bearer_auth(&promoter)
            .send()
            .await
            .unwrap();
        assert_eq!(qr.status(), 200);
        assert!(qr.text().await.unwrap().starts_with("<?xml"));

        // An enquiry through the link is credited; a mistyped code still arrives.
        let mut through_link = enquiry("甲公司", "a@example.com");
        through_link["referral"] = json!(code);
        assert_eq!(
            call(
                &server,
                Method::POST,
                "/api/leads",
                None,
                Some(through_link),
                None
            )
            .await
            .0,
            201
        );
        let mut stale = enquiry("乙公司", "b@example.com");
        stale["referral"] = json!("nosuchcode");
        assert_eq!(
            call(&server, Method::POST, "/api/leads", None, Some(stale), None)
                .await
                .0,
            201
        );
        // The public cannot claim a referral or an event by the source.
        let mut claimed = enquiry("丙公司", "c@example.com");
        claimed["source"] = json!("ambassador");
        assert_eq!(
            call(
                &server,
                Method::POST,
                "/api/leads",
                None,
                Some(claimed),
                None
            )
            .await
            .0,
            400
        );

        // A partner's token, made with the API; its enquiries are credited too.
        let (status, issued, _) = call(
            &server,
            Method::POST,
            &format!("/api/partners/{}/tokens", ambassador["id"]),
            Some(&admin),
            None,
            None,
        )
        .await;
        assert_eq!(status, 201);
        let partner = issued["token"].as_str().unwrap().to_owned();
        assert_eq!(
            call(
                &server,
                Method::POST,
                "/api/leads",
                Some(&partner),
                Some(enquiry("丁公司", "d@example.com")),
                None
            )
            .await
            .0,
            201
        );
        // The chamber's token from the command line.
        let out = std::process::Command::new(siteatlas_bin())
            .args([
                "token",
                "create",
                "--role",
                "partner",
                "--partner",
                &chamber["id"].to_string(),
            ])
            .args(store.cli_flags())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let chamber_token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        let out = std::process::Command::new(siteatlas_bin())
            .args(["token", "create", "--role", "partner"])
            .args(store.cli_flags())
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("--partner"));

        // Staff see every lead with its source and partner.
        let (_, leads, _) = call(
            &server,
            Method::GET,
            "/api/leads",
            Some(&promoter),
            None,
            None,
        )
        .await;
        let by_company = |name: &str| {
            leads
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["company"] == name)
                .cloned()
                .unwrap()
        };
        assert_eq!(by_company("甲公司")["source"], "ambassador");
        assert_eq!(by_company("甲公司")["partner"], ambassador["id"]);
        assert_eq!(by_company("乙公司")["source"], "map");
        assert_eq!(by_company("乙公司")["partner"], Value::Null);
        assert_eq!(by_company("丁公司")["partner"], ambassador["id"]);
        // A project taken up from a referral stays credited.
        let lead = by_company("甲公司")["id"].as_i64().unwrap();
        let (status, project, _) = call(
            &server,
            Method::POST,
            "/api/projects",
            Some(&promoter),
            Some(json!({"lead": lead})),
            None,
        )
        .await;
        assert_eq!(status, 201);
        assert_eq!(project["partner"], ambassador["id"]);
        assert_eq!(project["partner_name"], "招商大使 陈先生");

        // The partner: its own referrals, and nothing else.
        let (status, mine, _) = call(
            &server,
            Method::GET,
            "/api/leads",
            Some(&partner),
            None,
            None,
        )
        .await;
        assert_eq!(status, 200);
        let mut companies: Vec<&str> = mine
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["company"].as_str().unwrap())
            .collect();
        companies.sort();
        assert_eq!(companies, ["丁公司", "甲公司"]);
        let (_, theirs, _) = call(
            &server,
            Method::GET,
            "/api/leads",
            Some(&chamber_token),
            None,
            None,
        )
        .await;
        assert_eq!(theirs, json!([]));
        let (_, projects, _) = call(
            &server,
            Method::GET,
            "/api/projects",
            Some(&partner),
            None,
            None,
        )
        .await;
        assert_eq!(projects.as_array().unwrap().len(), 1);
        assert_eq!(projects[0]["stage"], "talks");
        assert!(projects[0].get("sites").is_none());
        let (_, projects, _) = call(
            &server,
            Method::GET,
            "/api/projects",
            Some(&chamber_token),
            None,
            None,
        )
        .await;
        assert_eq!(projects, json!([]));
        let (_, me, _) = call(
            &server,
            Method::GET,
            "/api/partners/me",
            Some(&partner),
            None,
            None,
        )
        .await;
        assert_eq!(me["code"], code.as_str());
        let (plots, _) = plots_with(&server, PlotStatus::Available, 1);
        let tag = plot_tag(&server, plots[0]).await;
        for (method, path, body) in [
            (Method::GET, format!("/api/leads/{lead}"), None),
            (
                Method::PATCH,
                format!("/api/leads/{lead}"),
                Some(json!({"status": "contacted"})),
            ),
            (
                Method::GET,
                format!("/api/projects/{}", project["id"]),
                None,
            ),
            (
                Method::POST,
                "/api/projects".to_owned(),
                Some(json!({"company": "x"})),
            ),
            (Method::GET, "/api/partners".to_owned(), None),
            (
                Method::GET,
                format!("/api/partners/{}/qr.svg", chamber["id"]),
                None,
            ),
            (Method::GET, "/api/stats".to_owned(), None),
            (Method::GET, "/api/tours".to_owned(), None),
            (Method::GET, "/api/panoramas".to_owned(), None),
            (Method::GET, "/api/admin/tokens".to_owned(), None),
            (
                Method::GET,
                format!("/api/plots/{}/project", plots[0]),
                None,
            ),
            (
                Method::PATCH,
                format!("/api/plots/{}", plots[0]),
                Some(json!({"status": "reserved", "note": "n"})),
            ),
        ] {
            let (status, body, _) = call(
                &server,
                method.clone(),
                &path,
                Some(&partner),
                body,
                Some(&tag),
            )
            .await;
            assert_eq!(status, 403, "{kind:?} partner {method} {path}: {body}");
        }
        // Its own QR code it may fetch.
        let qr = server
            .http
            .get(format!(
                "{}/api/partners/{}/qr.svg",
                server.base, ambassador["id"]
            ))
            .bearer_auth(&partner)
            .send()
            .await
            .unwrap();
        assert_eq!(qr.status(), 200);
        let (_, partners, _) = call(
            &server,
            Method::GET,
            "/api/partners",
            Some(&promoter),
            None,
            None,
        )
        .await;
        let listed = partners
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == ambassador["id"])
            .unwrap();
        assert_eq!(
            (listed["leads"].as_u64(), listed["projects"].as_u64()),
            (Some(2), Some(1))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partners_are_made_on_the_command_line() {
    let store = TestStore::new(siteatlas_tests::StoreKind::Sqlite).await;
    let run = |args: &[&str]| {
        std::process::Command::new(siteatlas_bin())
            .args(args)
            .args(store.cli_flags())
            .output()
            .unwrap()
    };
    let out = run(&[
        "partner",
        "create",
        "--name",
        "温州商会",
        "--kind",
        "alliance",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let link = String::from_utf8(out.stdout).unwrap();
    assert!(link.trim().starts_with("/r/"), "{link}");
    let out = run(&["partner", "create", "--name", "x", "--kind", "friend"]);
    assert!(!out.status.success());
    let out = run(&["partner", "list"]);
    let listed = String::from_utf8(out.stdout).unwrap();
    assert!(listed.contains("温州商会\talliance\t/r/"), "{listed}");
    let out = run(&["token", "create", "--role", "partner", "--partner", "999"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no partner with id 999"));
}
