//! A deployment's identity: the portal's name, the government it speaks for, its emblem,
//! colours and footer links. Read from a theme folder (`HUDUMA_THEME_DIR`: `theme.toml`
//! and an SVG emblem) or, when none is set, the bundled Republic of Kenya theme, so no
//! deployment edits templates to look like its own government's service. A theme is
//! checked at start-up; a bad one stops the portal with a message naming the problem.

use anyhow::{Context, bail};
use huduma_domain::Language;
// The catalogue's bilingual text; a theme refuses an empty language itself (`checked`).
use huduma_domain::catalogue::definition::Text;
use serde::Deserialize;
use std::path::Path;

const KENYA_TOML: &str = include_str!("../assets/theme/kenya/theme.toml");
const KENYA_EMBLEM: &str = include_str!("../assets/theme/kenya/emblem.svg");

/// Largest emblem accepted: an emblem is a small drawing, not a photograph.
const MAX_EMBLEM_BYTES: usize = 256 * 1024;

/// One link at the foot of every page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FooterLink {
    /// `https://…` or a path on the portal.
    pub href: String,
    /// English label.
    pub en: String,
    /// Kiswahili label.
    pub sw: String,
}

impl FooterLink {
    /// The label in `language`.
    pub fn label(&self, language: Language) -> &str {
        match language {
            Language::En => &self.en,
            Language::Sw => &self.sw,
        }
    }
}

/// The theme's colours, each `#rrggbb`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Colours {
    /// Header background, under white text.
    pub header: String,
    /// The band under the header.
    pub header_border: String,
    /// Main buttons, under white text.
    pub button: String,
    /// Links, on white.
    pub link: String,
    /// Focus highlight, under near-black text.
    pub focus: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Text,
    government: Text,
    emblem: String,
    colours: Colours,
    #[serde(default)]
    footer_links: Vec<FooterLink>,
}

/// A checked theme, ready to draw.
#[derive(Debug, Clone)]
pub struct Theme {
    /// The portal's name.
    pub name: Text,
    /// The government it speaks for.
    pub government: Text,
    /// The emblem, an SVG document.
    pub emblem_svg: String,
    pub colours: Colours,
    pub footer_links: Vec<FooterLink>,
    /// The colours as CSS custom properties, served as `/static/theme.css`.
    pub css: String,
}

impl Theme {
    /// The bundled Republic of Kenya theme.
    pub fn kenya() -> anyhow::Result<Self> {
        Self::parse(KENYA_TOML, KENYA_EMBLEM.to_owned()).context("the bundled Kenya theme")
    }

    /// The theme in `dir`, or the bundled one when no folder is configured.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Self> {
        let Some(dir) = dir else { return Self::kenya() };
        let toml_path = dir.join("theme.toml");
        let source = std::fs::read_to_string(&toml_path).with_context(|| format!("theme: cannot read {}", toml_path.display()))?;
        let file: ThemeFile = toml::from_str(&source).with_context(|| format!("theme: {} is not a valid theme", toml_path.display()))?;
        if file.emblem.contains(['/', '\\']) || !file.emblem.ends_with(".svg") {
            bail!("theme: `emblem` must name an .svg file in {} (got `{}`)", dir.display(), file.emblem);
        }
        let emblem_path = dir.join(&file.emblem);
        let emblem =
            std::fs::read_to_string(&emblem_path).with_context(|| format!("theme: cannot read the emblem {}", emblem_path.display()))?;
        Self::checked(file, emblem).with_context(|| format!("theme in {}", dir.display()))
    }

    /// Parses and checks a theme file and its emblem.
    pub fn parse(source: &str, emblem: String) -> anyhow::Result<Self> {
        let file: ThemeFile = toml::from_str(source).context("theme.toml is not a valid theme")?;
        Self::checked(file, emblem)
    }

    fn checked(file: ThemeFile, emblem: String) -> anyhow::Result<Self> {
        for (what, text) in [("name", &file.name), ("government", &file.government)] {
            if text.en.trim().is_empty() || text.sw.trim().is_empty() || text.en.len() > 60 || text.sw.len() > 60 {
                bail!("`{what}` needs `en` and `sw`, each 1 to 60 characters");
            }
        }
        let c = &file.colours;
        let colours =
            [("header", &c.header), ("header_border", &c.header_border), ("button", &c.button), ("link", &c.link), ("focus", &c.focus)];
        for (name, value) in colours {
            parse_hex(value).with_context(|| format!("colours.{name} must be #rrggbb (got `{value}`)"))?;
        }
        // The same 4.5:1 the accessibility audit asks of every page (WCAG 1.4.3).
        for (name, value, other, other_name) in [
            ("header", &c.header, "#ffffff", "white text"),
            ("button", &c.button, "#ffffff", "white text"),
            ("link", &c.link, "#ffffff", "a white page"),
            ("focus", &c.focus, "#0b0c0c", "black text"),
        ] {
            let ratio = contrast(value, other)?;
            if ratio < 4.5 {
                bail!("colours.{name} `{value}` has a contrast of {ratio:.1}:1 with {other_name}; at least 4.5:1 is needed");
            }
        }
        let trimmed = emblem.trim_start_matches('\u{feff}').trim_start();
        let head = trimmed.strip_prefix("<?xml").map_or(trimmed, |rest| rest.split_once("?>").map_or("", |(_, r)| r.trim_start()));
        if !head.starts_with("<svg") {
            bail!("the emblem is not an SVG document (it must start with <svg)");
        }
        if emblem.len() > MAX_EMBLEM_BYTES {
            bail!("the emblem is {} KB; at most {} KB", emblem.len() / 1024, MAX_EMBLEM_BYTES / 1024);
        }
        let lower = emblem.to_ascii_lowercase();
        if lower.contains("<script") || lower.contains("javascript:") || lower.contains("<foreignobject") {
            bail!("the emblem contains script or embedded HTML; a drawing is needed");
        }
        for link in &file.footer_links {
            let local = link.href.starts_with('/') && !link.href.starts_with("//");
            if !(local || link.href.starts_with("https://")) {
                bail!("footer link `{}` must start with https:// or /", link.href);
            }
            if link.en.trim().is_empty() || link.sw.trim().is_empty() {
                bail!("footer link `{}` needs labels in `en` and `sw`", link.href);
            }
        }
        let css = format!(
            ":root{{--theme-header:{};--theme-header-border:{};--theme-button:{};--theme-button-shadow:{};--theme-link:{};--theme-focus:{}}}\n",
            c.header,
            c.header_border,
            c.button,
            darker(&c.button)?,
            c.link,
            c.focus
        );
        Ok(Self {
            name: file.name,
            government: file.government,
            emblem_svg: emblem,
            colours: file.colours,
            footer_links: file.footer_links,
            css,
        })
    }
}

fn parse_hex(value: &str) -> anyhow::Result<[u8; 3]> {
    let hex = value.strip_prefix('#').filter(|h| h.len() == 6 && h.chars().all(|c| c.is_ascii_hexdigit()));
    let Some(hex) = hex else { bail!("not a #rrggbb colour") };
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).context("hex digits");
    Ok([byte(0)?, byte(2)?, byte(4)?])
}

/// WCAG contrast ratio of two colours.
fn contrast(a: &str, b: &str) -> anyhow::Result<f64> {
    let luminance = |rgb: [u8; 3]| {
        let channel = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.03928 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2])
    };
    let (la, lb) = (luminance(parse_hex(a)?), luminance(parse_hex(b)?));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    Ok((hi + 0.05) / (lo + 0.05))
}

/// The colour at 40 % of its brightness, for the button's bottom edge.
fn darker(value: &str) -> anyhow::Result<String> {
    let [r, g, b] = parse_hex(value)?;
    let dim = |v: u8| (u16::from(v) * 2 / 5) as u8;
    Ok(format!("#{:02x}{:02x}{:02x}", dim(r), dim(g), dim(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(replace: &str, by: &str) -> anyhow::Result<Theme> {
        assert!(KENYA_TOML.contains(replace), "{replace}");
        Theme::parse(&KENYA_TOML.replace(replace, by), KENYA_EMBLEM.to_owned())
    }

    #[test]
    fn the_bundled_theme_is_kenya() {
        let theme = Theme::kenya().expect("bundled theme");
        assert_eq!(theme.government.get(Language::Sw), "Jamhuri ya Kenya");
        assert!(theme.css.contains("--theme-header:#0b3d2e"), "{}", theme.css);
        assert!(theme.footer_links.iter().all(|l| l.href.starts_with("https://")));
    }

    #[test]
    fn a_bad_theme_is_refused_with_the_reason() {
        let err = |r: anyhow::Result<Theme>| format!("{:#}", r.expect_err("refused"));
        assert!(err(with("header = \"#0b3d2e\"", "header = \"#ffdd00\"")).contains("colours.header `#ffdd00` has a contrast of"));
        assert!(err(with("button = \"#00703c\"", "button = \"green\"")).contains("colours.button must be #rrggbb"));
        assert!(err(with("sw = \"Jamhuri ya Kenya\"", "sw = \"\"")).contains("`government` needs `en` and `sw`"));
        assert!(err(with("https://www.kenya.go.ke", "javascript:alert(1)")).contains("must start with https://"));
        assert!(err(with("[colours]", "colors = 1\n[colours]")).contains("not a valid theme"));
        let script = Theme::parse(KENYA_TOML, "<svg><script>alert(1)</script></svg>".into());
        assert!(err(script).contains("script"));
        assert!(err(Theme::parse(KENYA_TOML, "<html></html>".into())).contains("not an SVG"));
    }

    #[test]
    fn a_theme_folder_is_read_and_its_problems_name_the_folder() {
        let dir = std::env::temp_dir().join(format!("huduma-theme-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("theme.toml"), KENYA_TOML.replace("en = \"Huduma\"", "en = \"Gov Portal\"")).expect("write");
        let missing = Theme::load(Some(&dir)).expect_err("no emblem yet");
        assert!(format!("{missing:#}").contains("emblem.svg"), "{missing:#}");
        std::fs::write(dir.join("emblem.svg"), KENYA_EMBLEM).expect("write");
        let theme = Theme::load(Some(&dir)).expect("theme");
        assert_eq!(theme.name.get(Language::En), "Gov Portal");
        std::fs::remove_dir_all(&dir).expect("clean");
    }
}
