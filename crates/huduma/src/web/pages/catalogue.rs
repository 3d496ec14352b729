//! Finding services: home-page lists, browsing by category and agency, the service page
//! and search. Everything reads the live in-memory catalogue; no database query.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use huduma_domain::catalogue::definition::{Eligible, Issues};
use huduma_domain::catalogue::{ServiceEntry, Text};
use huduma_domain::{Language, Money};
use serde::Deserialize;

use crate::app::App;
use crate::services::catalogue::{Live, ServiceCard};
use crate::web::context::Ctx;
use crate::web::page_error::{PageError, PageResult};
use crate::web::render::{Page, html};

/// A service as a card in a list.
pub type Card = ServiceCard;

/// The convenience fee on a paid fee.
pub fn convenience_fee(app: &App, fee: Money) -> Money {
    app.config.convenience_fees.fee_for(fee)
}

fn text(t: &toml::Spanned<Text>, language: Language) -> String {
    t.get_ref().get(language).to_owned()
}

/// A card for a service.
pub fn card(ctx: &Ctx, live: &Live, service: &ServiceEntry) -> Card {
    live.card(service, ctx.language)
}

/// A titled group of cards.
pub struct Group {
    title: Option<String>,
    anchor: String,
    link: Option<String>,
    services: Vec<Card>,
}

/// Contact details of an agency page.
pub struct AgencyView {
    phone: Option<String>,
    email: Option<String>,
    website: Option<String>,
    offices: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "service_list.html")]
struct ListTemplate<'a> {
    page: Page<'a>,
    caption: Option<String>,
    heading: String,
    intro: String,
    agency: Option<AgencyView>,
    groups: Vec<Group>,
}

/// `GET /services`: every service, by category.
pub async fn browse(ctx: Ctx) -> Response {
    let live = ctx.app.catalogue();
    let groups = live
        .catalogue
        .categories
        .iter()
        .map(|c| Group {
            title: Some(text(&c.name, ctx.language)),
            anchor: c.code.get_ref().clone(),
            link: Some(format!("/categories/{}", c.code.get_ref())),
            services: live.catalogue.services.iter().filter(|s| &s.category == c.code.get_ref()).map(|s| card(&ctx, &live, s)).collect(),
        })
        .filter(|g| !g.services.is_empty())
        .collect();
    let heading = ctx.tr().t("catalogue.all_heading").to_owned();
    let intro = ctx.tr().f("catalogue.all_intro", &[("count", &live.catalogue.services.len().to_string())]);
    html(StatusCode::OK, &ListTemplate { page: ctx.page("catalogue.all_heading"), caption: None, heading, intro, agency: None, groups })
}

/// `GET /categories/{code}`
pub async fn category(ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let live = ctx.app.catalogue();
    let Some(category) = live.catalogue.category(&code) else { return Err(PageError::not_found()) };
    let services = live.catalogue.services.iter().filter(|s| s.category == code).map(|s| card(&ctx, &live, s)).collect();
    let template = ListTemplate {
        page: ctx.page("catalogue.all_heading"),
        caption: Some(ctx.tr().t("catalogue.category").to_owned()),
        heading: text(&category.name, ctx.language),
        intro: text(&category.description, ctx.language),
        agency: None,
        groups: vec![Group { title: None, anchor: code, link: None, services }],
    };
    Ok(html(StatusCode::OK, &template))
}

/// One agency in the list of agencies.
pub struct AgencyCard {
    code: String,
    name: String,
    description: String,
    count: String,
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct AgenciesTemplate<'a> {
    page: Page<'a>,
    agencies: Vec<AgencyCard>,
}

/// `GET /agencies`
pub async fn agencies(ctx: Ctx) -> Response {
    let live = ctx.app.catalogue();
    let agencies = live
        .catalogue
        .agencies
        .iter()
        .map(|a| AgencyCard {
            code: a.code.get_ref().clone(),
            name: text(&a.name, ctx.language),
            description: text(&a.description, ctx.language),
            count: live.catalogue.services.iter().filter(|s| &s.agency == a.code.get_ref()).count().to_string(),
        })
        .collect();
    html(StatusCode::OK, &AgenciesTemplate { page: ctx.page("catalogue.agencies_heading"), agencies })
}

/// `GET /agencies/{code}`: contacts and services.
pub async fn agency(ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let live = ctx.app.catalogue();
    let Some(agency) = live.catalogue.agency(&code) else { return Err(PageError::not_found()) };
    let services = live.catalogue.services.iter().filter(|s| s.agency == code).map(|s| card(&ctx, &live, s)).collect();
    let view = AgencyView {
        phone: agency.phone.clone(),
        email: agency.email.clone(),
        website: agency.website.clone(),
        offices: agency.offices.iter().map(|o| (text(&o.name, ctx.language), text(&o.hours, ctx.language))).collect(),
    };
    let template = ListTemplate {
        page: ctx.page("catalogue.agencies_heading"),
        caption: Some(ctx.tr().t("catalogue.agency").to_owned()),
        heading: text(&agency.name, ctx.language),
        intro: text(&agency.description, ctx.language),
        agency: Some(view),
        groups: vec![Group { title: None, anchor: code, link: None, services }],
    };
    Ok(html(StatusCode::OK, &template))
}

/// A row of the fee table.
pub struct FeeRow {
    label: String,
    fee: String,
    convenience: String,
    total: String,
}

/// A document requirement.
pub struct DocumentView {
    label: String,
    rules: String,
    when: String,
}

#[derive(Template)]
#[template(path = "service.html")]
struct ServiceTemplate<'a> {
    page: Page<'a>,
    name: String,
    summary: String,
    description: String,
    agency_code: String,
    agency_name: String,
    category_code: String,
    category_name: String,
    eligible: String,
    processing: String,
    issues: String,
    free: bool,
    fees: Vec<FeeRow>,
    documents: Vec<DocumentView>,
    steps: Vec<String>,
    next_steps: String,
    apply_text: String,
    apply_href: String,
    version: String,
}

fn eligible_key(e: Eligible) -> &'static str {
    match e {
        Eligible::Citizen => "account_type.citizen",
        Eligible::Resident => "account_type.resident",
        Eligible::Visitor => "account_type.visitor",
    }
}

fn issues_key(i: Issues) -> &'static str {
    match i {
        Issues::None => "issues.none",
        Issues::Certificate => "issues.certificate",
        Issues::Licence => "issues.licence",
        Issues::Permit => "issues.permit",
        Issues::Card => "issues.card",
        Issues::Passport => "issues.passport",
        Issues::Letter => "issues.letter",
    }
}

/// `GET /services/{code}`: what you need, what it costs, how long it takes.
pub async fn service(ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let live = ctx.app.catalogue();
    let service = match crate::services::applications::definitions::current(&ctx.app, &code).await {
        Ok(service) => service,
        Err(crate::services::ServiceError::NotFound) => return Err(PageError::not_found()),
        Err(err) => return Err(err.into()),
    };
    let tr = ctx.tr();
    let lang = ctx.language;
    let currency = service.currency();
    let fee = service.fee.get_ref();
    let amounts: Vec<(String, i64)> = if let Some(amount) = &fee.amount {
        vec![(tr.t("service.standard").to_owned(), amount.get_ref().minor().unwrap_or_default())]
    } else {
        fee.options
            .iter()
            .map(|o| (text(&o.label, lang), o.amount.as_ref().and_then(|a| a.get_ref().minor()).unwrap_or_default()))
            .collect()
    };
    let fees = amounts
        .into_iter()
        .map(|(label, minor)| {
            let money = Money { minor, currency };
            let convenience = convenience_fee(&ctx.app, money);
            let total = money.plus(convenience).unwrap_or(money);
            FeeRow { label, fee: money.to_string(), convenience: convenience.to_string(), total: total.to_string() }
        })
        .collect();
    let field_label = |code: &str| service.fields().find(|f| f.code.get_ref() == code).map(|f| text(&f.label, lang)).unwrap_or_default();
    let documents = service
        .documents
        .iter()
        .map(|d| {
            let types = d.types.iter().map(|t| t.get_ref().to_uppercase()).collect::<Vec<_>>().join(", ");
            let size = d.max_size_mb.as_ref().map_or(0.0, |s| *s.get_ref());
            let when = match (&d.required_when, d.required) {
                (Some(c), _) => {
                    tr.f("service.required_when", &[("question", &field_label(&c.get_ref().field)), ("answer", &c.get_ref().equals)])
                }
                (None, true) => String::new(),
                (None, false) => tr.t("service.optional").to_owned(),
            };
            DocumentView {
                label: text(&d.label, lang),
                rules: tr.f("service.document_rules", &[("types", &types), ("size", &format!("{size}"))]),
                when,
            }
        })
        .collect();
    let mut steps: Vec<String> = service.steps.iter().map(|s| s.get_ref().get(lang).to_owned()).collect();
    if steps.is_empty() {
        steps = ["service.step_sign_in", "service.step_form", "service.step_documents", "service.step_pay", "service.step_track"]
            .iter()
            .filter(|k| **k != "service.step_pay" || !service.is_free())
            .filter(|k| **k != "service.step_documents" || !service.documents.is_empty())
            .map(|k| tr.t(k).to_owned())
            .collect();
    }
    let eligible_types = service.account_types.get_ref();
    let eligible = eligible_types.iter().map(|e| tr.t(eligible_key(*e))).collect::<Vec<_>>().join(", ");
    let apply_text = match &ctx.me {
        None => tr.t("service.apply_sign_in").to_owned(),
        Some(me) => {
            let mine = Some(me.account.account_type);
            let can = eligible_types.iter().any(|e| {
                matches!(
                    (e, mine),
                    (Eligible::Citizen, Some(huduma_domain::AccountType::Citizen))
                        | (Eligible::Resident, Some(huduma_domain::AccountType::Resident))
                        | (Eligible::Visitor, Some(huduma_domain::AccountType::Visitor))
                )
            });
            if can { tr.t("service.apply_eligible").to_owned() } else { tr.f("service.apply_not_eligible", &[("who", &eligible)]) }
        }
    };
    let agency = live.catalogue.agency(&service.agency);
    let category = live.catalogue.category(service.category.get_ref());
    let template = ServiceTemplate {
        page: Page { title: text(&service.name, lang), ..ctx.page("catalogue.all_heading") },
        name: text(&service.name, lang),
        summary: text(&service.summary, lang),
        description: text(&service.description, lang),
        agency_code: service.agency.clone(),
        agency_name: agency.map(|a| text(&a.name, lang)).unwrap_or_default(),
        category_code: service.category.get_ref().clone(),
        category_name: category.map(|c| text(&c.name, lang)).unwrap_or_default(),
        eligible,
        processing: match service.processing_days {
            1 => tr.t("service.day_one").to_owned(),
            days => tr.f("service.days", &[("days", &days.to_string())]),
        },
        issues: tr.t(issues_key(service.issues)).to_owned(),
        free: service.is_free(),
        fees,
        documents,
        steps,
        next_steps: text(&service.next_steps, lang),
        apply_href: match &ctx.me {
            Some(me) if crate::services::applications::eligible(eligible_types, me.account.account_type) => {
                format!("/services/{code}/apply")
            }
            _ => String::new(),
        },
        apply_text,
        version: live.versions.get(&code).copied().unwrap_or(1).to_string(),
    };
    Ok(html(StatusCode::OK, &template))
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    category: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchTemplate<'a> {
    page: Page<'a>,
    query: String,
    total: String,
    results: Vec<Card>,
    agencies: Vec<(String, String, bool)>,
    categories: Vec<(String, String, bool)>,
}

/// `GET /search?q=…&agency=…&category=…`
pub async fn search(ctx: Ctx, Query(query): Query<SearchQuery>) -> Response {
    let live = ctx.app.catalogue();
    let agency = Some(query.agency.as_str()).filter(|a| !a.is_empty());
    let category = Some(query.category.as_str()).filter(|c| !c.is_empty());
    let found = live.search(&query.q, agency, category, 20);
    let (hits, total) = (&found.0, found.1);
    let services: Vec<&ServiceEntry> = hits.iter().filter_map(|h| live.catalogue.service(&h.code)).collect();
    let results = services.iter().map(|s| card(&ctx, &live, s)).collect();
    // The agency filter offers the agencies among the results (the real portal has ~600).
    let mut agency_codes: Vec<&str> = services.iter().map(|s| s.agency.as_str()).chain(agency).collect();
    agency_codes.sort_unstable();
    agency_codes.dedup();
    let agencies = agency_codes
        .into_iter()
        .filter_map(|code| live.catalogue.agency(code))
        .map(|a| (a.code.get_ref().clone(), text(&a.name, ctx.language), agency == Some(a.code.get_ref().as_str())))
        .collect();
    let categories = live
        .catalogue
        .categories
        .iter()
        .map(|c| (c.code.get_ref().clone(), text(&c.name, ctx.language), category == Some(c.code.get_ref().as_str())))
        .collect();
    let status = if query.q.trim().is_empty() || total > 0 { StatusCode::OK } else { StatusCode::NOT_FOUND };
    html(
        status,
        &SearchTemplate {
            page: ctx.page("search.heading"),
            query: query.q.trim().to_owned(),
            total: total.to_string(),
            results,
            agencies,
            categories,
        },
    )
}
