//! Helpdesk tickets over the API (the citizen's side): open one, list them, read the
//! thread, reply, reopen within the window, rate once resolved.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::{ApiError, ApiJson, ApiPath, ErrorBody, Me};
use crate::app::App;
use crate::clock::rfc3339;
use crate::services::helpdesk::NewTicket;
use crate::services::helpdesk::citizen::{self, Holder};
use crate::store::tickets::{MessageRow, TicketRow};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OpenTicket {
    /// `account`, `applying`, `payment`, `tracking` or `other`.
    pub category: String,
    /// Subject (3–120 characters).
    pub subject: String,
    /// What happened.
    pub message: String,
    /// The application it is about (its id), if any.
    #[serde(default)]
    pub application_id: Option<String>,
}

/// A message of the thread.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Message {
    /// `citizen` or `staff`.
    pub author: String,
    /// Text.
    pub body: String,
    /// When (RFC 3339).
    pub at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Ticket {
    /// Ticket number.
    pub number: String,
    /// `open`, `waiting_citizen`, `waiting_agency`, `resolved`, `closed`.
    pub status: String,
    pub category: String,
    pub subject: String,
    /// Linked application id.
    pub application_id: Option<String>,
    /// Opened (RFC 3339).
    pub created_at: String,
    /// The rating given, 1–5.
    pub rating: Option<i64>,
    /// The thread, oldest first (only when one ticket is read).
    pub messages: Vec<Message>,
}

fn ticket(t: &TicketRow, messages: &[MessageRow]) -> Ticket {
    Ticket {
        number: t.number.clone(),
        status: t.status.code().to_owned(),
        category: t.category.code().to_owned(),
        subject: t.subject.clone(),
        application_id: t.application_id.as_ref().map(ToString::to_string),
        created_at: rfc3339(t.created_at),
        rating: t.rating,
        messages: messages.iter().map(|m| Message { author: m.author.clone(), body: m.body.clone(), at: rfc3339(m.created_at) }).collect(),
    }
}

/// `POST /api/v1/tickets`
#[utoipa::path(post, path = "/api/v1/tickets", tag = "helpdesk", security(("bearer" = [])), request_body = OpenTicket,
    responses((status = 201, body = Ticket), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open(
    State(app): State<Arc<App>>,
    Me(me, _): Me,
    ApiJson(body): ApiJson<OpenTicket>,
) -> Result<(StatusCode, Json<Ticket>), ApiError> {
    let new = NewTicket { category: body.category, subject: body.subject, message: body.message, application: body.application_id };
    let created = citizen::open(&app, &me, &new).await?;
    let (t, messages) = citizen::view(&app, Holder::Citizen(&me), &created.number).await?;
    Ok((StatusCode::CREATED, Json(ticket(&t, &messages))))
}

/// `GET /api/v1/tickets`
#[utoipa::path(get, path = "/api/v1/tickets", tag = "helpdesk", security(("bearer" = [])),
    responses((status = 200, body = Vec<Ticket>), (status = 401, body = ErrorBody)))]
pub async fn list(State(app): State<Arc<App>>, Me(me, _): Me) -> Result<Json<Vec<Ticket>>, ApiError> {
    let rows = citizen::list(&app, &me).await?;
    Ok(Json(rows.iter().map(|t| ticket(t, &[])).collect()))
}

/// `GET /api/v1/tickets/{number}`
#[utoipa::path(get, path = "/api/v1/tickets/{number}", tag = "helpdesk", security(("bearer" = [])), params(("number" = String, Path)),
    responses((status = 200, body = Ticket), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(State(app): State<Arc<App>>, Me(me, _): Me, ApiPath(number): ApiPath<String>) -> Result<Json<Ticket>, ApiError> {
    let (t, messages) = citizen::view(&app, Holder::Citizen(&me), &number).await?;
    Ok(Json(ticket(&t, &messages)))
}

/// A reply, or the reason for reopening.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Reply {
    /// Text.
    pub message: String,
}

/// `POST /api/v1/tickets/{number}/messages`
#[utoipa::path(post, path = "/api/v1/tickets/{number}/messages", tag = "helpdesk", security(("bearer" = [])), params(("number" = String, Path)),
    request_body = Reply, responses((status = 200, body = Ticket), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reply(
    State(app): State<Arc<App>>,
    Me(me, who): Me,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<Reply>,
) -> Result<Json<Ticket>, ApiError> {
    citizen::reply(&app, Holder::Citizen(&me), &number, &body.message).await?;
    get_one(State(app), Me(me, who), ApiPath(number)).await
}

/// `POST /api/v1/tickets/{number}/reopen`
#[utoipa::path(post, path = "/api/v1/tickets/{number}/reopen", tag = "helpdesk", security(("bearer" = [])), params(("number" = String, Path)),
    request_body = Reply, responses((status = 200, body = Ticket), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reopen(
    State(app): State<Arc<App>>,
    Me(me, who): Me,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<Reply>,
) -> Result<Json<Ticket>, ApiError> {
    citizen::reopen(&app, Holder::Citizen(&me), &number, &body.message).await?;
    get_one(State(app), Me(me, who), ApiPath(number)).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Rating {
    /// 1 (poor) to 5 (excellent).
    pub rating: i64,
    /// Optional comment.
    #[serde(default)]
    pub comment: String,
}

/// `POST /api/v1/tickets/{number}/rating`
#[utoipa::path(post, path = "/api/v1/tickets/{number}/rating", tag = "helpdesk", security(("bearer" = [])), params(("number" = String, Path)),
    request_body = Rating, responses((status = 200, body = Ticket), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rate(
    State(app): State<Arc<App>>,
    Me(me, who): Me,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<Rating>,
) -> Result<Json<Ticket>, ApiError> {
    citizen::rate(&app, Holder::Citizen(&me), &number, body.rating, &body.comment).await?;
    get_one(State(app), Me(me, who), ApiPath(number)).await
}
