//! The OpenAPI document: paths from the handlers' annotations, plus the
//! answers every operation of a kind can give (bad parameters, bad bodies,
//! missing credentials, a store that is down), added in one place so that no
//! handler can forget them and the document stays true to the server.

use axum::Json;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, RefOr, ResponseBuilder, Type};
use utoipa::{Modify, OpenApi};

use crate::session::COOKIE_NAME;

/// The OpenAPI description, generated from the handlers' annotations.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Site Atlas",
        description = "Investment-promotion map server: vector tiles, search, OGC API - Features"
    ),
    paths(
        crate::routes::meta::landing,
        crate::routes::schema::schema,
        crate::routes::schema::queryables,
        crate::routes::meta::health,
        crate::routes::meta::metrics,
        openapi,
        crate::routes::tiles::tile,
        crate::routes::tiles::tilejson,
        crate::routes::tiles::style,
        crate::routes::search::search_get,
        crate::routes::search::search_post,
        crate::routes::places::places,
        crate::routes::features::get_feature,
        crate::routes::edits::patch_feature,
        crate::routes::edits::history,
        crate::routes::sheet::sheet_pdf,
        crate::routes::edits::audit_csv,
        crate::routes::meta::unreadable_rows,
        crate::routes::accounts::list,
        crate::routes::accounts::create,
        crate::routes::accounts::revoke,
        crate::routes::import::import,
        crate::routes::panoramas::upload,
        crate::routes::panoramas::get_scene,
        crate::routes::panoramas::of_feature,
        crate::routes::panoramas::add_hotspot,
        crate::routes::panoramas::list,
        crate::routes::panoramas::change,
        crate::routes::panoramas::delete,
        crate::routes::panoramas::delete_hotspot,
        crate::routes::tours::create,
        crate::routes::tours::get,
        crate::routes::tours::list,
        crate::routes::tours::update,
        crate::routes::tours::links,
        crate::routes::tours::create_link,
        crate::routes::tours::revoke_link,
        crate::routes::tours::chat,
        crate::routes::tours::shared,
        crate::routes::advice::match_sites,
        crate::routes::advice::get_policy,
        crate::routes::advice::put_policy,
        crate::routes::advice::estimate,
        crate::routes::park_profile::profile,
        crate::routes::leads::submit,
        crate::routes::leads::inbox,
        crate::routes::leads::one,
        crate::routes::leads::change,
        crate::routes::projects::list,
        crate::routes::projects::create,
        crate::routes::projects::one,
        crate::routes::projects::change,
        crate::routes::projects::of_site,
        crate::routes::partners::list,
        crate::routes::partners::create,
        crate::routes::partners::me,
        crate::routes::partners::create_token,
        crate::routes::partners::qr,
        crate::routes::stats::stats,
        crate::routes::session::sign_in,
        crate::routes::session::current,
        crate::routes::session::sign_out,
        crate::routes::ogc::conformance,
        crate::routes::ogc::collections,
        crate::routes::ogc::one_collection,
        crate::routes::ogc::items,
        crate::routes::ogc::item,
    ),
    components(schemas(
        crate::error::ErrorBody,
        crate::routes::advice::PlanSchema,
        crate::routes::advice::ComplianceCheck,
        crate::routes::advice::RequiredValue,
        crate::routes::advice::EstimateAnswer,
        crate::routes::places::Place,
        crate::routes::places::PlacesAnswer,
        crate::routes::session::SignIn,
        crate::routes::accounts::NewToken,
        crate::routes::panoramas::NewHotspot,
        crate::routes::panoramas::ScenePatch,
        crate::routes::panoramas::InitialView,
        crate::routes::tours::NewTour,
        crate::routes::tours::StopInput,
        crate::routes::tours::NewLink,
        crate::routes::park_profile::ParkProfile,
        crate::routes::park_profile::Carriers,
        crate::routes::park_profile::PlotCarriers,
        crate::routes::park_profile::FactoryCarriers,
        crate::routes::park_profile::Range,
        crate::routes::park_profile::Occupancy,
        crate::routes::park_profile::ProfileTour,
        crate::routes::park_profile::PolicyLine,
        crate::routes::projects::NewProjectBody,
        crate::routes::projects::ProjectChange,
        crate::routes::partners::NewPartner
    )),
    modifiers(&CommonAnswers, &LayerSchemas)
)]
pub struct ApiDoc;

/// `GET /openapi.json`
#[utoipa::path(get, path = "/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3 document")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Adds each layer's feature properties as a schema (`PlotsProperties` …),
/// from the layer's own description, as `/api/schema` serves it.
struct LayerSchemas;

impl Modify for LayerSchemas {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        for spec in siteatlas_tiles::schema::layers() {
            let mut json = crate::routes::schema::properties_schema(spec);
            json["description"] = serde_json::json!(format!(
                "{} ({}): the properties of a feature of `{}`; GET /api/schema has each field's unit, labels and filter",
                spec.label_en,
                spec.label_zh,
                spec.layer.as_str()
            ));
            if let Ok(schema) = serde_json::from_value::<utoipa::openapi::schema::Schema>(json) {
                let name = spec.layer.as_str();
                let title = format!("{}{}Properties", name[..1].to_uppercase(), &name[1..]);
                components.schemas.insert(title, schema.into());
            }
        }
    }
}

/// Adds the answers shared by whole kinds of operations, and the two ways to
/// authenticate.
struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("an API token from `siteatlas token create`"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                COOKIE_NAME,
                "the web app's session, from POST /api/session",
            ))),
        );
        for item in doc.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                add_common_answers(operation);
            }
        }
    }
}

fn add_common_answers(operation: &mut Operation) {
    let answers = &mut operation.responses.responses;
    // An operation that can refuse a caller for their role needs credentials.
    let needs_credentials = answers.contains_key("403");
    if needs_credentials {
        operation.security = Some(vec![
            SecurityRequirement::new("token", Vec::<String>::new()),
            SecurityRequirement::new("session", Vec::<String>::new()),
        ]);
    }
    let mut add = |status: &str, description: &str| {
        answers
            .entry(status.to_owned())
            .or_insert_with(|| error_answer(description));
    };
    if needs_credentials {
        add("401", "no valid token or session");
    }
    if operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
        add("400", "a parameter that cannot be read or is out of range");
    }
    if operation.request_body.is_some() {
        add(
            "400",
            "a body that is not valid JSON, or a value out of range",
        );
        add("413", "a body over the size limit");
        add(
            "415",
            "a body without the content type this operation reads",
        );
        add(
            "422",
            "JSON whose fields do not fit this operation's request",
        );
    }
    answers.entry("503".to_owned()).or_insert_with(|| {
        RefOr::T(
            ResponseBuilder::new()
                .description("the store of record does not answer; retry after the given seconds")
                .header(
                    "Retry-After",
                    HeaderBuilder::new()
                        .schema(ObjectBuilder::new().schema_type(Type::Integer))
                        .description(Some("seconds to wait before retrying"))
                        .build(),
                )
                .build(),
        )
    });
}

fn error_answer(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}
