//! Just enough SVG reading to size an image and to refuse unsafe ones.

/// Why an SVG file cannot be served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SvgProblem {
    /// Not UTF-8 text or no `<svg` element.
    NotSvg,
    /// Scripts, event handlers, embedded objects or references to other files or sites.
    Unsafe,
    /// No usable `width`/`height` nor `viewBox` on the root element.
    NoSize,
}

/// Things an illustration never needs and a hostile file could use.
const UNSAFE: &[&str] = &[
    "<script",
    "javascript:",
    "<foreignobject",
    "<iframe",
    "<embed",
    "<object",
    "@import",
    "@font-face",
    "<!entity",
    "href=\"http",
    "href='http",
    "href=\"//",
    "href='//",
    "url(http",
    "url(//",
];

/// Checks an SVG file and returns its size in CSS pixels (`width`/`height` attributes of the
/// root element when both are plain numbers, else the `viewBox`).
pub fn check_svg(bytes: &[u8]) -> Result<(u32, u32), SvgProblem> {
    let text = std::str::from_utf8(bytes).map_err(|_| SvgProblem::NotSvg)?;
    let lower = text.to_ascii_lowercase();
    if !lower.contains("<svg") {
        return Err(SvgProblem::NotSvg);
    }
    if UNSAFE.iter().any(|u| lower.contains(u)) || has_event_handler(&lower) {
        return Err(SvgProblem::Unsafe);
    }
    svg_size(text).ok_or(SvgProblem::NoSize)
}

/// Does any element carry an `on…=` attribute (`onload`, `onclick`…)?
fn has_event_handler(lower: &str) -> bool {
    lower.match_indices("on").any(|(i, _)| {
        let before = lower[..i].chars().next_back();
        let rest = &lower[i + 2..];
        let name_len = rest.bytes().take_while(u8::is_ascii_lowercase).count();
        before.is_some_and(char::is_whitespace)
            && name_len > 0
            && rest[name_len..].trim_start().starts_with('=')
    })
}

/// The size of an SVG image from its root element, rounded to whole pixels.
#[must_use]
pub fn svg_size(text: &str) -> Option<(u32, u32)> {
    let start = text.find("<svg")?;
    let tag = &text[start + 4..];
    let tag = &tag[..tag.find('>')?];
    let attrs = attributes(tag);
    let get = |name: &str| attrs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    let from_attrs = get("width")
        .and_then(length)
        .zip(get("height").and_then(length));
    let size = from_attrs.or_else(|| {
        let parts: Vec<f64> = get("viewBox")?
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|p| !p.is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        match parts.as_slice() {
            [_, _, w, h] => Some((*w, *h)),
            _ => None,
        }
    })?;
    let px = |v: f64| -> Option<u32> {
        if (1.0..=10_000.0).contains(&v) {
            // In range 1..=10000, so the cast is exact after rounding.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Some(v.round() as u32)
        } else {
            None
        }
    };
    Some((px(size.0)?, px(size.1)?))
}

/// A plain length (`120`, `120px`, `120.5`); percentages and other units give `None`.
fn length(v: &str) -> Option<f64> {
    v.trim().trim_end_matches("px").parse().ok()
}

/// The `name="value"` pairs of a tag's inside.
fn attributes(tag: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = tag;
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq].trim();
        let name = name.rsplit(char::is_whitespace).next().unwrap_or(name);
        let after = rest[eq + 1..].trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let body = &after[1..];
        let Some(end) = body.find(quote) else { break };
        out.push((name, &body[..end]));
        rest = &body[end + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_comes_from_attributes_or_the_view_box() {
        assert_eq!(
            svg_size(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 80">"#),
            Some((120, 80))
        );
        assert_eq!(
            svg_size(r#"<svg width="64px" height='32' viewBox="0 0 1 1">"#),
            Some((64, 32))
        );
        assert_eq!(
            svg_size(r#"<svg width="100%" height="100%" viewBox="0,0,200.4,99.6">"#),
            Some((200, 100))
        );
        assert_eq!(
            svg_size(r#"<?xml version="1.0"?><svg viewBox="0 0 0 10">"#),
            None
        );
        assert_eq!(svg_size("<svg>"), None);
    }

    #[test]
    fn unsafe_svgs_are_refused() {
        let ok = br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>"#;
        assert_eq!(check_svg(ok), Ok((10, 10)));
        for bad in [
            r#"<svg viewBox="0 0 10 10"><script>alert(1)</script></svg>"#,
            r#"<svg viewBox="0 0 10 10" onload="x()"></svg>"#,
            r#"<svg viewBox="0 0 10 10"><image href="https://example.com/a.png"/></svg>"#,
            r#"<svg viewBox="0 0 10 10"><a xlink:href="javascript:x()"/></svg>"#,
        ] {
            assert_eq!(check_svg(bad.as_bytes()), Err(SvgProblem::Unsafe), "{bad}");
        }
        assert_eq!(check_svg(b"<html></html>"), Err(SvgProblem::NotSvg));
        assert_eq!(
            check_svg(br#"<svg width="10"></svg>"#),
            Err(SvgProblem::NoSize)
        );
    }
}
