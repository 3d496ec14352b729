//! The catalogue over the API: search and read services.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use huduma_domain::catalogue::ServiceEntry;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::{ApiError, ApiPath, ApiQuery, ErrorBody, ErrorCode};
use crate::app::App;

/// Both languages of a text.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Bilingual {
    /// English.
    pub en: String,
    /// Kiswahili.
    pub sw: String,
}

impl From<&huduma_domain::catalogue::Text> for Bilingual {
    fn from(t: &huduma_domain::catalogue::Text) -> Self {
        Self { en: t.en.clone(), sw: t.sw.clone() }
    }
}

/// A service in a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ServiceSummary {
    /// Stable code.
    pub code: String,
    pub name: Bilingual,
    /// One line.
    pub summary: Bilingual,
    /// Agency code.
    pub agency: String,
    /// Category code.
    pub category: String,
    /// Lowest fee in minor units (0 when free).
    pub fee_from_minor: i64,
    /// `KES` or `USD`.
    pub currency: String,
    /// Promised processing time, working days.
    pub processing_days: u32,
    /// Current version of the definition.
    pub version: i64,
}

/// A page of results.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ServiceList {
    /// Matches in all.
    pub total: usize,
    /// The best matches, best first (or by name when browsing).
    pub services: Vec<ServiceSummary>,
}

/// Search and filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ServiceQuery {
    /// Words in English or Kiswahili; typos and abbreviations (DL, KRA, TCC) are understood.
    pub q: Option<String>,
    /// Agency code.
    pub agency: Option<String>,
    /// Category code.
    pub category: Option<String>,
    /// At most this many results (default 20, at most 100).
    pub limit: Option<usize>,
}

fn summary(app: &App, service: &ServiceEntry) -> ServiceSummary {
    ServiceSummary {
        code: service.code.clone(),
        name: (&service.name).into(),
        summary: (&service.summary).into(),
        agency: service.agency.clone(),
        category: service.category.clone(),
        fee_from_minor: service.fee_from().map_or(0, |m| m.minor),
        currency: service.currency().code().to_owned(),
        processing_days: service.processing_days,
        version: app.catalogue().versions.get(&service.code).copied().unwrap_or(1),
    }
}

/// `GET /api/v1/services`: search or browse the catalogue.
#[utoipa::path(get, path = "/api/v1/services", tag = "catalogue", params(ServiceQuery), responses((status = 200, body = ServiceList)))]
pub async fn list(State(app): State<Arc<App>>, ApiQuery(query): ApiQuery<ServiceQuery>) -> Json<ServiceList> {
    let live = app.catalogue();
    let limit = query.limit.unwrap_or(20).clamp(1, 100);
    let agency = query.agency.as_deref().filter(|a| !a.is_empty());
    let category = query.category.as_deref().filter(|c| !c.is_empty());
    match query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => {
            let found = live.search(q, agency, category, limit);
            let (hits, total) = (&found.0, found.1);
            let services = hits.iter().filter_map(|h| live.catalogue.service(&h.code)).map(|s| summary(&app, s)).collect();
            Json(ServiceList { total, services })
        }
        None => {
            let codes = live.index.codes_where(agency, category);
            let matching: Vec<&ServiceEntry> = live.catalogue.services.iter().filter(|s| codes.contains(s.code.as_str())).collect();
            Json(ServiceList { total: matching.len(), services: matching.into_iter().take(limit).map(|s| summary(&app, s)).collect() })
        }
    }
}

/// `GET /api/v1/services/{code}`: the whole definition (form, documents, fees, workflow).
#[utoipa::path(get, path = "/api/v1/services/{code}", tag = "catalogue", params(("code" = String, Path, description = "Service code")),
    responses((status = 200, description = "The service definition as in its catalogue file, plus `version`", body = Object), (status = 404, body = ErrorBody)))]
pub async fn get_one(State(app): State<Arc<App>>, ApiPath(code): ApiPath<String>) -> Result<Json<serde_json::Value>, ApiError> {
    let live = app.catalogue();
    let service = match crate::services::applications::definitions::current(&app, &code).await {
        Ok(service) => service,
        Err(crate::services::ServiceError::NotFound) => return Err(ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound)),
        Err(err) => return Err(err.into()),
    };
    let mut value = serde_json::to_value(&*service).map_err(|e| ApiError::from(crate::services::ServiceError::Internal(e.into())))?;
    value["version"] = live.versions.get(&code).copied().unwrap_or(1).into();
    Ok(Json(value))
}
