//! Saved responses agents start their replies from: `help/responses.toml`, in English and
//! Kiswahili (the ticket's language is used).

use huduma_domain::Language;
use huduma_domain::catalogue::Text;
use serde::Deserialize;

/// The bundled responses.
const RESPONSES: &str = include_str!("../../../../../help/responses.toml");

/// One saved response.
#[derive(Debug, Clone, Deserialize)]
pub struct Response {
    /// Stable code.
    pub code: String,
    /// Title shown to agents.
    pub title: Text,
    /// Text sent to the citizen.
    pub body: Text,
}

#[derive(Deserialize)]
struct File {
    response: Vec<Response>,
}

/// Every saved response (the file is checked by a test, so a broken one never ships).
pub fn all() -> Vec<Response> {
    toml::from_str::<File>(RESPONSES).map(|f| f.response).unwrap_or_default()
}

/// The text of a saved response in `language`.
pub fn text(code: &str, language: Language) -> Option<String> {
    all().into_iter().find(|r| r.code == code).map(|r| r.body.get(language).to_owned())
}
