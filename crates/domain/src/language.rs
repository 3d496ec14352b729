//! The portal's languages.

/// A language the portal speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English.
    #[default]
    En,
    /// Kiswahili.
    Sw,
}

impl Language {
    /// Every language, in the order the switch shows them.
    pub const ALL: [Language; 2] = [Self::En, Self::Sw];

    /// BCP 47 tag, also the storage and cookie value.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Sw => "sw",
        }
    }

    /// Parses a tag such as `sw`, `sw-KE` or `en-GB`.
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// Picks the first supported language from an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        header.split(',').filter_map(|part| Self::parse(part.split(';').next().unwrap_or(""))).next()
    }

    /// The language's name in itself, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Sw => "Kiswahili",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tags_and_headers() {
        assert_eq!(Language::parse("sw-KE"), Some(Language::Sw));
        assert_eq!(Language::parse("fr"), None);
        assert_eq!(Language::from_accept_language("fr-FR,sw;q=0.8,en;q=0.5"), Some(Language::Sw));
        assert_eq!(Language::from_accept_language("de"), None);
    }
}
