//! The language switch: a plain link, so it works without JavaScript and on every page.

use axum::extract::{Path, Query};
use huduma_domain::Language;
use serde::Deserialize;

use crate::services::profile;
use crate::web::context::{Ctx, redirect_with_cookies};
use crate::web::cookies;
use crate::web::page_error::{PageError, PageResult};

/// Query of the switch link.
#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Only local paths, so the switch cannot be used to send people elsewhere.
fn safe_next(next: Option<&str>) -> &str {
    next.and_then(crate::web::safe_redirect::local_path).unwrap_or("/")
}

/// `GET /language/{tag}?next=/path`
pub async fn switch(ctx: Ctx, Path(tag): Path<String>, Query(query): Query<Next>) -> PageResult {
    let language = Language::parse(&tag).ok_or_else(PageError::not_found)?;
    if let Some(me) = &ctx.me
        && let Err(err) = profile::set_language(&ctx.app, me, language).await
    {
        tracing::error!(error = %err, "saving language failed");
    }
    let cookie = cookies::set(cookies::LANGUAGE, language.tag(), Some(365 * 86_400), ctx.secure());
    Ok(redirect_with_cookies(safe_next(query.next.as_deref()), vec![cookie]))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths() {
        assert_eq!(safe_next(Some("/account?x=1")), "/account?x=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/", "a tab browsers drop");
        assert_eq!(safe_next(None), "/");
    }
}
