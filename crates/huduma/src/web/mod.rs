//! The HTTP surface: HTML pages, the JSON API, sandboxes, health and metrics.
//! Each route states who may call it where it is declared.

pub mod api;
pub mod back_office;
pub mod callbacks;
pub mod checkout;
pub mod client_ip;
pub mod context;
pub mod cookies;
pub mod csrf;
pub mod health;
pub mod metrics;
pub mod pages;
pub mod render;
pub mod retry_after;
pub mod safe_redirect;
pub mod sandbox;
pub mod security_headers;
pub mod static_files;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::app::App;
use pages::{
    account, applications, catalogue, certificates, help, home, language, password_reset, payments, receipts, register, sign_in, tickets,
    two_factor, verify,
};

/// Largest upload request: the biggest file any requirement may allow, plus the form.
pub const UPLOAD_BODY_LIMIT: usize = 26 * 1024 * 1024;

/// Builds the whole router; `simulators` (sandbox mode only) adds the sandbox's routes.
pub fn router(app: Arc<App>, simulators: Option<Arc<crate::simulators::Simulators>>) -> Router {
    let pages = Router::new()
        // Anyone.
        .route("/", get(home::show))
        .route("/language/{tag}", get(language::switch))
        .route("/services", get(catalogue::browse))
        .route("/services/{code}", get(catalogue::service))
        .route("/categories/{code}", get(catalogue::category))
        .route("/agencies", get(catalogue::agencies))
        .route("/agencies/{code}", get(catalogue::agency))
        .route("/search", get(catalogue::search))
        .route("/register", get(register::type_form).post(register::choose_type))
        .route("/register/identity", get(register::identity_form).post(register::identity_submit))
        // Holder of a registration flow cookie.
        .route("/register/details", get(register::details_form).post(register::details_submit))
        // Holder of a verification flow cookie.
        .route("/verify", get(verify::show))
        .route("/verify/phone", post(verify::phone))
        .route("/verify/email", post(verify::email))
        .route("/verify/resend", post(verify::resend))
        // Anyone; the second step needs the sign-in flow cookie.
        .route("/sign-in", get(sign_in::form).post(sign_in::submit))
        .route("/sign-in/code", get(sign_in::code_form).post(sign_in::check))
        .route("/sign-in/send", post(sign_in::send))
        .route("/sign-out", post(sign_in::sign_out))
        .route("/forgot-password", get(password_reset::form).post(password_reset::submit))
        .route("/reset-password", get(password_reset::reset_form).post(password_reset::reset_submit))
        // Signed-in citizen only (each handler checks; the queries are scoped to the account).
        .route("/account", get(account::show))
        .route("/account/password", get(account::password_form).post(account::password_submit))
        .route("/account/sessions", get(account::sessions))
        .route("/account/sessions/{id}/revoke", post(account::revoke))
        .route("/account/sign-out-everywhere", post(sign_in::sign_out_everywhere))
        .route("/account/contact", get(account::contact_form).post(account::contact_submit))
        .route("/account/contact/verify", post(account::contact_verify))
        .route("/account/two-factor", get(two_factor::show))
        .route("/account/two-factor/setup", post(two_factor::begin))
        .route("/account/two-factor/confirm", post(two_factor::confirm))
        .route("/account/two-factor/disable", post(two_factor::disable))
        // Signed-in citizen only; every query names the owner (see pages::applications).
        .route("/services/{code}/apply", post(applications::start::start))
        .route("/applications", get(applications::list::show))
        .route("/applications/{id}", get(applications::overview::show))
        .route("/applications/{id}/pages/{page}", get(applications::form_page::show).post(applications::form_page::save))
        .route("/applications/{id}/option", get(applications::fee_option::show).post(applications::fee_option::save))
        .route("/applications/{id}/documents", get(applications::uploads::show))
        .route(
            "/applications/{id}/documents/{requirement}",
            post(applications::uploads::upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/applications/{id}/files/{document}", get(applications::uploads::download))
        .route("/applications/{id}/check", get(applications::check_answers::show))
        .route("/applications/{id}/submit", post(applications::check_answers::submit))
        .route("/applications/{id}/submitted", get(applications::check_answers::submitted))
        .route("/applications/{id}/delete", get(applications::list::confirm).post(applications::list::delete))
        // Signed-in citizen, while the agency has sent their application back to them.
        .route("/applications/{id}/respond", post(applications::overview::respond))
        // Signed-in citizen: their issued certificate.
        .route("/applications/{id}/certificate", get(applications::overview::certificate_pdf))
        // Signed-in citizen: paying for their own applications.
        .route("/applications/{id}/pay", get(payments::show))
        .route("/applications/{id}/pay/mpesa", post(payments::mpesa))
        .route("/applications/{id}/pay/card", post(payments::card))
        .route("/payments/{attempt}/card-return", get(payments::card_return))
        .route("/payments/check", get(payments::check_form).post(payments::check))
        .route("/payments/{attempt}", get(payments::attempt))
        .route("/receipts/{number}", get(receipts::show))
        .route("/receipts/{number}/pdf", get(receipts::pdf))
        // Anyone holding a receipt's QR link (rate-limited per address).
        .route("/verify/receipts/{number}/{code}", get(receipts::verify))
        .route("/verify/certificates/{serial}/{code}", get(certificates::verify))
        // Registered agency systems (the secureHash proves who calls).
        .route("/PaymentAPI/iframev2.1.php", post(checkout::create))
        .route("/api/invoice/payment/status", get(checkout::status))
        // Anyone holding an agency bill's link.
        .route("/checkout/{number}", get(checkout::page))
        .route("/checkout/{number}/mpesa", post(checkout::mpesa))
        .route("/checkout/{number}/attempts/{attempt}", get(checkout::attempt))
        // Safaricom only: secret token in the path, optional address allow-list.
        .route("/callbacks/mpesa/stk/{token}", post(callbacks::mpesa_stk))
        .route("/callbacks/pesapal/ipn/{token}", post(callbacks::pesapal_ipn))
        .route("/callbacks/mpesa/c2b/validation/{token}", post(callbacks::mpesa_c2b_validation))
        .route("/callbacks/mpesa/c2b/confirmation/{token}", post(callbacks::mpesa_c2b_confirmation))
        // Anyone: the help centre.
        .route("/help", get(help::index))
        .route("/help/search", get(help::search))
        .route("/help/contact", get(help::contact))
        // Signed-in citizens (their own tickets), or anonymous visitors who prove their
        // phone and then hold the ticket's key.
        .route("/help/tickets", get(tickets::list))
        .route("/help/tickets/new", get(tickets::new_form).post(tickets::create))
        .route("/help/tickets/verify", get(tickets::verify_form).post(tickets::verify))
        .route("/help/tickets/verify/resend", post(tickets::resend))
        .route("/help/tickets/{number}", get(tickets::show))
        .route("/help/tickets/{number}/reply", post(tickets::reply))
        .route("/help/tickets/{number}/reopen", post(tickets::reopen))
        .route("/help/tickets/{number}/rate", post(tickets::rate))
        .route("/help/tickets/{number}/files", post(tickets::attach).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .route("/help/tickets/{number}/files/{id}", get(tickets::file))
        .route("/help/{slug}", get(help::article))
        // Anyone (rate-limited per address).
        .route("/track", get(applications::track::form).post(applications::track::lookup))
        // Anyone: operations.
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/static/{file}", get(static_files::serve))
        // Loopback or trusted proxies only (checked in the handler).
        .route("/metrics", get(metrics::render));

    let mut router = pages.merge(api::router()).merge(back_office::router());
    if let Some(simulators) = simulators {
        // Sandbox routes do not exist at all outside sandbox mode.
        router = router.merge(sandbox::router(simulators));
    }
    router
        .fallback(not_found)
        .layer(from_fn_with_state(app.clone(), csrf::layer))
        .layer(from_fn_with_state(app.clone(), security_headers::layer))
        .layer(from_fn_with_state(app.clone(), client_ip::layer))
        .layer(axum::middleware::from_fn(retry_after::layer))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::new())
        .with_state(app)
}

async fn not_found(ctx: context::Ctx) -> Response {
    render::error_page(&ctx.app, ctx.language, StatusCode::NOT_FOUND, "not_found")
}
