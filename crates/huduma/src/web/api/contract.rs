//! The API's route table and what the OpenAPI document promises for each route: the
//! errors every route of a given shape can give (a body can be malformed, a path
//! parameter unknown, a bearer token missing) are added to each operation here, from the
//! same table the router is built from, so no handler has to remember them.

use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{self, MethodRouter};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

use crate::app::App;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone. Some of these routes want a flow token from an earlier step in the body;
    /// some are rate-limited per address.
    Anyone,
    /// A signed-in citizen (`Authorization: Bearer`); the handler scopes every query to
    /// that account, so another person's item is "not found".
    Citizen,
}

/// One documented API route.
pub struct ApiRoute {
    /// HTTP method.
    pub method: Method,
    /// Path template as in the OpenAPI document (`{name}` for a parameter).
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    handler: MethodRouter<Arc<App>>,
}

impl ApiRoute {
    fn new(method: Method, path: &'static str, access: Access, handler: MethodRouter<Arc<App>>) -> Self {
        Self { method, path, access, handler }
    }

    /// `GET path`.
    pub fn get<H: Handler<T, Arc<App>>, T: 'static>(path: &'static str, access: Access, handler: H) -> Self {
        Self::new(Method::GET, path, access, routing::get(handler))
    }

    /// `POST path`.
    pub fn post<H: Handler<T, Arc<App>>, T: 'static>(path: &'static str, access: Access, handler: H) -> Self {
        Self::new(Method::POST, path, access, routing::post(handler))
    }

    /// `PUT path`.
    pub fn put<H: Handler<T, Arc<App>>, T: 'static>(path: &'static str, access: Access, handler: H) -> Self {
        Self::new(Method::PUT, path, access, routing::put(handler))
    }

    /// `PATCH path`.
    pub fn patch<H: Handler<T, Arc<App>>, T: 'static>(path: &'static str, access: Access, handler: H) -> Self {
        Self::new(Method::PATCH, path, access, routing::patch(handler))
    }

    /// `DELETE path`.
    pub fn delete<H: Handler<T, Arc<App>>, T: 'static>(path: &'static str, access: Access, handler: H) -> Self {
        Self::new(Method::DELETE, path, access, routing::delete(handler))
    }

    /// Raises the body limit (uploads) above axum's default of 2 MB.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.handler = self.handler.layer(DefaultBodyLimit::max(bytes));
        self
    }

    /// The handler, for the router.
    pub fn into_handler(self) -> MethodRouter<Arc<App>> {
        self.handler
    }
}

/// The operation a method names in a path item.
pub fn operation_mut<'a>(item: &'a mut PathItem, method: &Method) -> Option<&'a mut Operation> {
    match *method {
        Method::GET => item.get.as_mut(),
        Method::POST => item.post.as_mut(),
        Method::PUT => item.put.as_mut(),
        Method::PATCH => item.patch.as_mut(),
        Method::DELETE => item.delete.as_mut(),
        _ => None,
    }
}

/// What each error status means, listing the codes this operation can give with it.
fn description(status: u16, codes: &[&str]) -> String {
    let listed = codes.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
    match status {
        400 => format!("The request cannot be read: {listed}."),
        401 => "`unauthorized`: no bearer token, or its session has ended.".into(),
        404 => "`not_found` (or a more specific `….not_found`): nothing with this id in the caller's reach; another person's item is the same 404.".into(),
        410 => "`flow.expired`: the token from the earlier step is unknown or has expired; start that step again.".into(),
        413 => "`body.too_large`: the body is over the limit (2 MB for JSON; 26 MB for uploads).".into(),
        415 => "`body.content_type`: send `application/json` (uploads: `multipart/form-data`).".into(),
        422 => "Input breaks a rule: `code` is the first problem and `fields` lists each (`body.invalid_data` when the JSON has the wrong shape).".into(),
        429 => "`rate_limited`: too many attempts; `Retry-After` says how many seconds to wait.".into(),
        500 => "`internal`: our fault, logged; try again later.".into(),
        503 => "A service this step depends on is down (`register.unavailable`, `payment.unavailable`); try again in a few minutes.".into(),
        _ => listed,
    }
}

/// Adds to every operation in the route table the error responses its shape implies,
/// fills empty descriptions of the ones a handler declared, and makes operation ids
/// unique (`{tag}.{handler}`).
pub struct StandardErrors;

impl utoipa::Modify for StandardErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for route in super::routes() {
            let Some(item) = openapi.paths.paths.get_mut(route.path) else { continue };
            let Some(operation) = operation_mut(item, &route.method) else { continue };
            let mut errors: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
            errors.entry(500).or_default();
            if route.access == Access::Citizen {
                errors.entry(401).or_default();
                let bearer = SecurityRequirement::new("bearer", Vec::<String>::new());
                let security = operation.security.get_or_insert_with(Vec::new);
                if security.is_empty() {
                    security.push(bearer);
                }
            }
            let parameters = operation.parameters.as_deref().unwrap_or_default();
            if parameters.iter().any(|p| p.parameter_in == ParameterIn::Path) {
                errors.entry(400).or_default().push("path.invalid");
                errors.entry(404).or_default();
            }
            if parameters.iter().any(|p| p.parameter_in == ParameterIn::Query) {
                errors.entry(400).or_default().push("query.invalid");
            }
            if let Some(body) = &operation.request_body {
                if body.content.contains_key("multipart/form-data") {
                    errors.entry(400).or_default().extend(["body.invalid", "upload.missing_file", "upload.interrupted"]);
                } else {
                    errors.entry(400).or_default().push("body.invalid");
                }
                for status in [413, 415, 422] {
                    errors.entry(status).or_default();
                }
            }
            for (status, codes) in &errors {
                let key = status.to_string();
                let text = description(*status, codes);
                match operation.responses.responses.get_mut(&key) {
                    Some(RefOr::T(response)) => {
                        if response.description.is_empty() {
                            response.description = text;
                        }
                    }
                    Some(RefOr::Ref(_)) => {}
                    None => {
                        let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
                        let response = ResponseBuilder::new().description(text).content("application/json", content).build();
                        operation.responses.responses.insert(key, RefOr::T(response));
                    }
                }
            }
            // Handler-declared errors (410, 429, 503) get their meaning too.
            for (key, response) in operation.responses.responses.iter_mut() {
                if let (RefOr::T(response), Ok(status)) = (response, key.parse::<u16>())
                    && status >= 400
                    && response.description.is_empty()
                {
                    response.description = description(status, &[]);
                }
            }
            // utoipa names operations after the handler (`start`, `list`, …), which repeats
            // across modules; client generators need them unique.
            let tag = operation.tags.as_ref().and_then(|t| t.first()).cloned().unwrap_or_default();
            if let Some(id) = &operation.operation_id
                && !id.contains('.')
            {
                operation.operation_id = Some(format!("{tag}.{id}"));
            }
        }
    }
}
