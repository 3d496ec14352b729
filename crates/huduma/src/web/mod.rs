//! The HTTP surface: HTML pages, the JSON API, sandboxes, health and metrics.
//! Each route states who may call it where it is declared.

pub mod access;
pub mod api;
pub mod back_office;
pub mod callbacks;
pub mod checkout;
pub mod client_ip;
pub mod context;
pub mod cookies;
pub mod csrf;
pub mod error_code;
pub mod health;
pub mod invoice_text;
pub mod metrics;
pub mod outage;
pub mod page_error;
pub mod pages;
pub mod render;
pub mod request_id;
pub mod retry_after;
pub mod safe_redirect;
pub mod sandbox;
pub mod security_headers;
pub mod static_files;

use access::Route;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::app::App;
use pages::{
    account, applications, catalogue, certificates, help, home, language, password_reset, payments, receipts, register, sign_in, status,
    tickets, two_factor, verify,
};

/// Largest upload request: the biggest file any requirement may allow, plus the form.
pub const UPLOAD_BODY_LIMIT: usize = 26 * 1024 * 1024;

/// Every route of the pages and the agency-system endpoints, with who may call it. The
/// router is built from this table and [`back_office::routes`] (and the API's own table),
/// so `tests/it/security.rs` can walk every route and check its rule.
pub fn page_routes() -> Vec<Route> {
    use access::Rule::{ApiClient, Citizen, CitizenOrKey, Operator, Provider, Public};
    vec![
        // Anyone.
        Route::new("/", Public, get(home::show)),
        Route::new("/language/{tag}", Public, get(language::switch)),
        Route::new("/services", Public, get(catalogue::browse)),
        Route::new("/services/{code}", Public, get(catalogue::service)),
        Route::new("/categories/{code}", Public, get(catalogue::category)),
        Route::new("/agencies", Public, get(catalogue::agencies)),
        Route::new("/agencies/{code}", Public, get(catalogue::agency)),
        Route::new("/search", Public, get(catalogue::search)),
        Route::new("/register", Public, get(register::type_form).post(register::choose_type)),
        Route::new("/register/identity", Public, get(register::identity_form).post(register::identity_submit)),
        // Holder of a registration flow cookie.
        Route::new("/register/details", Public, get(register::details_form).post(register::details_submit)),
        // Holder of a verification flow cookie.
        Route::new("/verify", Public, get(verify::show)),
        Route::new("/verify/phone", Public, post(verify::phone)),
        Route::new("/verify/email", Public, post(verify::email)),
        Route::new("/verify/resend", Public, post(verify::resend)),
        // Anyone; the second step needs the sign-in flow cookie.
        Route::new("/sign-in", Public, get(sign_in::form).post(sign_in::submit)),
        Route::new("/sign-in/code", Public, get(sign_in::code_form).post(sign_in::check)),
        Route::new("/sign-in/send", Public, post(sign_in::send)),
        Route::new("/sign-out", Public, post(sign_in::sign_out)),
        Route::new("/forgot-password", Public, get(password_reset::form).post(password_reset::submit)),
        Route::new("/reset-password", Public, get(password_reset::reset_form).post(password_reset::reset_submit)),
        // Signed-in citizen only (the queries are scoped to the account).
        Route::new("/account", Citizen, get(account::show)),
        Route::new("/account/password", Citizen, get(account::password_form).post(account::password_submit)),
        Route::new("/account/sessions", Citizen, get(account::sessions)),
        Route::new("/account/sessions/{id}/revoke", Citizen, post(account::revoke)),
        Route::new("/account/sign-out-everywhere", Citizen, post(sign_in::sign_out_everywhere)),
        Route::new("/account/contact", Citizen, get(account::contact_form).post(account::contact_submit)),
        Route::new("/account/contact/verify", Citizen, post(account::contact_verify)),
        Route::new("/account/two-factor", Citizen, get(two_factor::show)),
        Route::new("/account/two-factor/setup", Citizen, post(two_factor::begin)),
        Route::new("/account/two-factor/confirm", Citizen, post(two_factor::confirm)),
        Route::new("/account/two-factor/disable", Citizen, post(two_factor::disable)),
        // Signed-in citizen only; every query names the owner (see pages::applications).
        Route::new("/services/{code}/apply", Citizen, post(applications::start::start)),
        Route::new("/applications", Citizen, get(applications::list::show)),
        Route::new("/applications/{id}", Citizen, get(applications::overview::show)),
        Route::new("/applications/{id}/pages/{page}", Citizen, get(applications::form_page::show).post(applications::form_page::save)),
        Route::new("/applications/{id}/option", Citizen, get(applications::fee_option::show).post(applications::fee_option::save)),
        Route::new("/applications/{id}/documents", Citizen, get(applications::uploads::show)),
        Route::new(
            "/applications/{id}/documents/{requirement}",
            Citizen,
            post(applications::uploads::upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        ),
        Route::new("/applications/{id}/files/{document}", Citizen, get(applications::uploads::download)),
        Route::new("/applications/{id}/check", Citizen, get(applications::check_answers::show)),
        Route::new("/applications/{id}/submit", Citizen, post(applications::check_answers::submit)),
        Route::new("/applications/{id}/submitted", Citizen, get(applications::check_answers::submitted)),
        Route::new("/applications/{id}/delete", Citizen, get(applications::list::confirm).post(applications::list::delete)),
        // Signed-in citizen, while the agency has sent their application back to them.
        Route::new("/applications/{id}/respond", Citizen, post(applications::overview::respond)),
        // Signed-in citizen: their issued certificate.
        Route::new("/applications/{id}/certificate", Citizen, get(applications::overview::certificate_pdf)),
        // Signed-in citizen: paying for their own applications.
        Route::new("/applications/{id}/pay", Citizen, get(payments::show)),
        Route::new("/applications/{id}/pay/mpesa", Citizen, post(payments::mpesa)),
        Route::new("/applications/{id}/pay/card", Citizen, post(payments::card)),
        Route::new("/payments/{attempt}/card-return", Citizen, get(payments::card_return)),
        Route::new("/payments/check", Citizen, get(payments::check_form).post(payments::check)),
        Route::new("/payments/{attempt}", Citizen, get(payments::attempt)),
        Route::new("/receipts/{number}", Citizen, get(receipts::show)),
        Route::new("/receipts/{number}/pdf", Citizen, get(receipts::pdf)),
        // Anyone holding a receipt's QR link (rate-limited per address).
        Route::new("/verify/receipts/{number}/{code}", Public, get(receipts::verify)),
        Route::new("/verify/certificates/{serial}/{code}", Public, get(certificates::verify)),
        // Registered agency systems (the secureHash proves who calls).
        Route::new("/PaymentAPI/iframev2.1.php", ApiClient, post(checkout::create)),
        Route::new("/api/invoice/payment/status", ApiClient, get(checkout::status)),
        // Anyone holding an agency bill's link.
        Route::new("/checkout/{number}", Public, get(checkout::page)),
        Route::new("/checkout/{number}/mpesa", Public, post(checkout::mpesa)),
        Route::new("/checkout/{number}/attempts/{attempt}", Public, get(checkout::attempt)),
        // Safaricom only: secret token in the path, optional address allow-list.
        Route::new("/callbacks/mpesa/stk/{token}", Provider, post(callbacks::mpesa_stk)),
        Route::new("/callbacks/pesapal/ipn/{token}", Provider, post(callbacks::pesapal_ipn)),
        Route::new("/callbacks/mpesa/c2b/validation/{token}", Provider, post(callbacks::mpesa_c2b_validation)),
        Route::new("/callbacks/mpesa/c2b/confirmation/{token}", Provider, post(callbacks::mpesa_c2b_confirmation)),
        // Anyone: the status page.
        Route::new("/status", Public, get(status::show)),
        Route::new("/status.json", Public, get(status::json)),
        // Anyone: the help centre.
        Route::new("/help", Public, get(help::index)),
        Route::new("/help/search", Public, get(help::search)),
        Route::new("/help/contact", Public, get(help::contact)),
        // Signed-in citizens (their own tickets), or anonymous visitors who prove their
        // phone and then hold the ticket's key.
        Route::new("/help/tickets", Citizen, get(tickets::list)),
        Route::new("/help/tickets/new", Public, get(tickets::new_form).post(tickets::create)),
        Route::new("/help/tickets/verify", Public, get(tickets::verify_form).post(tickets::verify)),
        Route::new("/help/tickets/verify/resend", Public, post(tickets::resend)),
        Route::new("/help/tickets/{number}", CitizenOrKey, get(tickets::show)),
        Route::new("/help/tickets/{number}/reply", CitizenOrKey, post(tickets::reply)),
        Route::new("/help/tickets/{number}/reopen", CitizenOrKey, post(tickets::reopen)),
        Route::new("/help/tickets/{number}/rate", CitizenOrKey, post(tickets::rate)),
        Route::new("/help/tickets/{number}/files", CitizenOrKey, post(tickets::attach).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT))),
        Route::new("/help/tickets/{number}/files/{id}", CitizenOrKey, get(tickets::file)),
        Route::new("/help/{slug}", Public, get(help::article)),
        // Anyone (rate-limited per address).
        Route::new("/track", Public, get(applications::track::form).post(applications::track::lookup)),
        // Anyone: operations.
        Route::new("/healthz", Public, get(health::healthz)),
        Route::new("/readyz", Public, get(health::readyz)),
        Route::new("/static/{file}", Public, get(static_files::serve)),
        // Loopback or trusted proxies only (the handler checks the address).
        Route::new("/metrics", Operator, get(metrics::render)),
    ]
}

/// Every route declared with an access rule: the pages' and the back office's.
pub fn routes() -> Vec<Route> {
    let mut routes = page_routes();
    routes.extend(back_office::routes());
    routes
}

/// Builds the whole router; `simulators` (sandbox mode only) adds the sandbox's routes.
pub fn router(app: Arc<App>, simulators: Option<Arc<crate::simulators::Simulators>>) -> Router {
    let mut router = Router::new();
    for route in routes() {
        router = router.route(route.path, route.into_methods());
    }
    if let Some(simulators) = &simulators {
        // Sandbox routes do not exist at all outside sandbox mode.
        for route in sandbox::routes(simulators) {
            router = router.route(route.path, route.into_methods());
        }
    }
    let router = router.merge(api::router());
    router
        .fallback(not_found)
        .layer(from_fn_with_state(app.clone(), outage::layer))
        .layer(from_fn_with_state(app.clone(), page_error::layer))
        .layer(from_fn_with_state(app.clone(), csrf::layer))
        .layer(from_fn_with_state(app.clone(), security_headers::layer))
        .layer(from_fn_with_state(app.clone(), client_ip::layer))
        .layer(axum::middleware::from_fn(retry_after::layer))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(request_id::span::<axum::body::Body>))
        .layer(request_id::propagate())
        .layer(request_id::set())
        .layer(CatchPanicLayer::new())
        .with_state(app)
}

/// Any address no route serves. The context notes the page's language for the error layer.
async fn not_found(_: context::Ctx) -> page_error::PageError {
    page_error::PageError::not_found()
}
