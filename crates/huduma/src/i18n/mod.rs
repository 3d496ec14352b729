//! Translations. Every user-facing string lives in `locales/<lang>.toml` under a key;
//! pages, messages and errors look strings up here. A test fails when a key is missing
//! from either language.

pub mod words;

use huduma_domain::Language;
use std::collections::HashMap;

/// The English strings, the reference set of keys.
pub const EN_SOURCE: &str = include_str!("../../locales/en.toml");
/// The Kiswahili strings.
pub const SW_SOURCE: &str = include_str!("../../locales/sw.toml");

/// All strings of all languages, loaded once at start-up.
#[derive(Debug)]
pub struct I18n {
    tables: HashMap<Language, HashMap<String, String>>,
}

/// Flattens a TOML document into dotted keys.
pub fn flatten(source: &str) -> anyhow::Result<HashMap<String, String>> {
    fn walk(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
        for (key, value) in table {
            let full = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
            match value {
                toml::Value::Table(inner) => walk(&full, inner, out),
                toml::Value::String(s) => {
                    out.insert(full, s.clone());
                }
                other => {
                    out.insert(full, other.to_string());
                }
            }
        }
    }
    let table: toml::Table = toml::from_str(source)?;
    let mut out = HashMap::new();
    walk("", &table, &mut out);
    Ok(out)
}

impl I18n {
    /// The bundled strings, loaded once per process. They are compiled in, so a failure
    /// here is a build defect that the locale tests catch first.
    pub fn global() -> &'static I18n {
        static GLOBAL: std::sync::OnceLock<I18n> = std::sync::OnceLock::new();
        GLOBAL.get_or_init(|| I18n::load().expect("bundled locale files parse"))
    }

    /// Loads the bundled languages.
    pub fn load() -> anyhow::Result<Self> {
        let mut tables = HashMap::new();
        tables.insert(Language::En, flatten(EN_SOURCE)?);
        tables.insert(Language::Sw, flatten(SW_SOURCE)?);
        Ok(Self { tables })
    }

    /// A translator for one language.
    pub fn tr(&self, language: Language) -> Tr<'_> {
        Tr { language, i18n: self }
    }

    fn lookup(&self, language: Language, key: &str) -> Option<&str> {
        self.tables.get(&language).and_then(|t| t.get(key)).map(String::as_str)
    }
}

/// Strings of one language. Missing keys fall back to English, then to the key itself
/// (which the completeness test prevents from ever shipping).
#[derive(Clone, Copy, Debug)]
pub struct Tr<'a> {
    pub language: Language,
    i18n: &'a I18n,
}

impl<'a> Tr<'a> {
    /// The string for `key`.
    pub fn t(&self, key: &str) -> &'a str {
        self.i18n.lookup(self.language, key).or_else(|| self.i18n.lookup(Language::En, key)).unwrap_or("??")
    }

    /// The string for `key` with `{name}` placeholders filled in.
    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.t(key).to_owned();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// The message for a stable error code.
    pub fn error(&self, code: &str) -> &'a str {
        self.t(&format!("error.{code}"))
    }
}
