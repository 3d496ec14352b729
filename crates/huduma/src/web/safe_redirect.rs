//! The one place that decides whether a `next` address from a request may be redirected
//! to: only a path on this site. Every redirect whose target the client chose goes
//! through [`local_path`].

/// `next` when it is a path on this site, else None.
///
/// Browsers are generous with what they treat as another host: `//host`, `/\host`, and
/// `/<tab>/host` (tabs and newlines are dropped from URLs before parsing) all leave the
/// site. So the path must start with a single `/`, and may contain only visible ASCII
/// (anything else a browser would percent-encode) and no backslash; and parsed as a URL
/// against this site it must still be on this site.
pub fn local_path(next: &str) -> Option<&str> {
    let bytes = next.as_bytes();
    let shaped = bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && bytes.iter().all(|b| b.is_ascii_graphic() && *b != b'\\');
    if !shaped {
        return None;
    }
    let base = url::Url::parse("https://huduma.invalid/").ok()?;
    let joined = base.join(next).ok()?;
    (joined.origin() == base.origin()).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_on_this_site() {
        assert_eq!(local_path("/account?x=1"), Some("/account?x=1"));
        assert_eq!(local_path("/services/kra-pin#fees"), Some("/services/kra-pin#fees"));
        for evil in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " /account",
            "https://evil.example",
            "http:evil.example",
            "javascript:alert(1)",
            "/a b",
            "/é",
            "",
            "account",
        ] {
            assert_eq!(local_path(evil), None, "{evil:?}");
        }
    }
}
