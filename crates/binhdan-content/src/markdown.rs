//! Lesson Markdown: the checks of the allowed subset and the rendering to safe HTML.

use std::fmt::Write as _;

use binhdan_core::Msg;
use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd, html};

use crate::LineError;

/// An image referenced by a lesson, as written (`src` relative to the lesson's file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkdownImage {
    pub src: String,
    pub alt: String,
    pub line: usize,
}

/// What the renderer needs to know about an image: its URL and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedImage {
    pub url: String,
    pub width: u32,
    pub height: u32,
}

fn parser(body: &str) -> Parser<'_> {
    Parser::new_ext(body, Options::empty())
}

/// Line (1-based) of byte `offset` of `text`, whose first line is `first_line`.
#[allow(clippy::naive_bytecount)] // a few KB of text: not worth a dependency
pub(crate) fn line_at(text: &str, offset: usize, first_line: usize) -> usize {
    let end = offset.min(text.len());
    first_line
        + text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
}

/// Checks a lesson body against the allowed subset (README): headings `##`/`###` only, no raw
/// HTML, `https://` links only, SVG images with alt text. `first_line` is the file line of the
/// body's first line. Returns the images it references and the problems, with file lines.
#[must_use]
pub fn check_markdown(body: &str, first_line: usize) -> (Vec<MarkdownImage>, Vec<LineError>) {
    let mut images = Vec::new();
    let mut errors = Vec::new();
    let mut image: Option<MarkdownImage> = None;
    let mut in_html_block = false;
    for (event, range) in parser(body).into_offset_iter() {
        let line = line_at(body, range.start, first_line);
        match event {
            Event::Start(Tag::HtmlBlock) => {
                in_html_block = true;
                errors.push(LineError::new(line, Msg::new("content-markdown-raw-html")));
            }
            Event::End(TagEnd::HtmlBlock) => in_html_block = false,
            Event::Html(_) if in_html_block => {}
            Event::Html(_) | Event::InlineHtml(_) => {
                let same_line = errors.last().is_some_and(|e: &LineError| {
                    e.line == line && e.msg.key == "content-markdown-raw-html"
                });
                if !same_line {
                    errors.push(LineError::new(line, Msg::new("content-markdown-raw-html")));
                }
            }
            Event::Start(Tag::Heading { level, .. })
                if !matches!(level, HeadingLevel::H2 | HeadingLevel::H3) =>
            {
                let hashes = "#".repeat(level as usize);
                errors.push(LineError::new(
                    line,
                    Msg::new("content-markdown-heading").arg("level", hashes),
                ));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) if link_type == LinkType::Email || !is_https(&dest_url) => {
                errors.push(LineError::new(
                    line,
                    Msg::new("content-link-not-https").arg("url", &*dest_url),
                ));
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                image = Some(MarkdownImage {
                    src: dest_url.to_string(),
                    alt: String::new(),
                    line,
                });
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(img) = image.as_mut() {
                    img.alt.push_str(&t);
                }
            }
            Event::End(TagEnd::Image) => {
                if let Some(mut img) = image.take() {
                    img.alt = binhdan_core::text::clean(&img.alt);
                    if img.alt.is_empty() {
                        errors.push(LineError::new(
                            img.line,
                            Msg::new("content-image-alt-missing").arg("path", &img.src),
                        ));
                    }
                    if !has_svg_extension(&img.src) {
                        errors.push(LineError::new(
                            img.line,
                            Msg::new("content-image-not-svg").arg("path", &img.src),
                        ));
                    }
                    images.push(img);
                }
            }
            _ => {}
        }
    }
    (images, errors)
}

fn is_https(url: &str) -> bool {
    url.strip_prefix("https://")
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
}

pub(crate) fn has_svg_extension(path: &str) -> bool {
    has_extension(path, "svg")
}

/// Does the file name or path end in `.{ext}` (any case)?
pub(crate) fn has_extension(path: &str, ext: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Escapes text for an HTML attribute value or element content.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Renders lesson Markdown to HTML that is safe to embed: raw HTML in the source is shown as
/// text, links other than `https://` lose their link (keep their text) and get
/// `rel="noopener"`, images become `<img>` with lazy loading and the size given by `resolve`
/// (called with the image's `src` as written; `None` renders the alt text instead).
pub fn render_markdown(body: &str, resolve: impl Fn(&str) -> Option<RenderedImage>) -> String {
    let mut events: Vec<Event<'_>> = Vec::new();
    // For each open link: did we open an <a>?
    let mut links: Vec<bool> = Vec::new();
    // The open image: its src and alt text so far.
    let mut image: Option<(String, String)> = None;
    for event in parser(body) {
        if let Some((src, alt)) = image.as_mut() {
            match event {
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                Event::End(TagEnd::Image) => {
                    let alt = binhdan_core::text::clean(alt);
                    match resolve(src) {
                        Some(img) => {
                            let mut tag = String::new();
                            let _ = write!(
                                tag,
                                r#"<img src="{}" alt="{}" loading="lazy" decoding="async" width="{}" height="{}">"#,
                                escape(&img.url),
                                escape(&alt),
                                img.width,
                                img.height
                            );
                            events.push(Event::InlineHtml(CowStr::from(tag)));
                        }
                        None => events.push(Event::Text(CowStr::from(alt))),
                    }
                    image = None;
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Html(raw) | Event::InlineHtml(raw) => events.push(Event::Text(raw)),
            Event::Start(Tag::Image { dest_url, .. }) => {
                image = Some((dest_url.to_string(), String::new()));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            }) => {
                let ok = link_type != LinkType::Email && is_https(&dest_url);
                links.push(ok);
                if ok {
                    let title = if title.is_empty() {
                        String::new()
                    } else {
                        format!(r#" title="{}""#, escape(&title))
                    };
                    events.push(Event::InlineHtml(CowStr::from(format!(
                        r#"<a href="{}" rel="noopener"{title}>"#,
                        escape(&dest_url)
                    ))));
                }
            }
            Event::End(TagEnd::Link) => {
                if links.pop() == Some(true) {
                    events.push(Event::InlineHtml(CowStr::from("</a>")));
                }
            }
            other => events.push(other),
        }
    }
    let mut out = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(body: &str) -> Vec<(usize, &'static str)> {
        check_markdown(body, 10)
            .1
            .into_iter()
            .map(|e| (e.line, e.msg.key))
            .collect()
    }

    #[test]
    fn raw_html_is_reported_at_its_line() {
        assert_eq!(
            errors("Xin chào.\n\n<div>\nhi\n</div>\n"),
            vec![(12, "content-markdown-raw-html")]
        );
        assert_eq!(
            errors("Một\ndòng <b>đậm</b>\n"),
            vec![(11, "content-markdown-raw-html")]
        );
    }

    #[test]
    fn only_https_links_and_level_2_3_headings() {
        assert_eq!(
            errors("[a](http://x.vn) [b](https://x.vn)\n"),
            vec![(10, "content-link-not-https")]
        );
        assert_eq!(
            errors("x\n\n[a](javascript:alert(1))\n"),
            vec![(12, "content-link-not-https")]
        );
        assert_eq!(errors("<ai@x.vn>\n"), vec![(10, "content-link-not-https")]);
        assert_eq!(
            errors("# H1\n\n## H2\n\n### H3\n\n#### H4\n"),
            vec![
                (10, "content-markdown-heading"),
                (16, "content-markdown-heading")
            ]
        );
    }

    #[test]
    fn images_need_alt_text_and_svg() {
        let (images, errs) = check_markdown("a\n\n![](../images/a.svg)\n\n![Ảnh](b.png)\n", 1);
        assert_eq!(images.len(), 2);
        assert_eq!(
            images[1],
            MarkdownImage {
                src: "b.png".into(),
                alt: "Ảnh".into(),
                line: 5
            }
        );
        let keys: Vec<_> = errs.iter().map(|e| (e.line, e.msg.key)).collect();
        assert_eq!(
            keys,
            vec![
                (3, "content-image-alt-missing"),
                (5, "content-image-not-svg")
            ]
        );
    }

    #[test]
    fn rendering_escapes_html_and_decorates_links_and_images() {
        let md = "## Tiêu đề\n\nChữ <script>x</script> & [trang](https://dichvucong.gov.vn \"t\") [xấu](javascript:x)\n\n![Nút \"nguồn\"](../images/a.svg)\n\n<div onclick=\"x\">khối</div>\n";
        let html = render_markdown(md, |src| {
            (src == "../images/a.svg").then(|| RenderedImage {
                url: "/content/assets/courses/c/images/a.svg".into(),
                width: 120,
                height: 80,
            })
        });
        assert!(html.contains("<h2>Tiêu đề</h2>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;x&lt;/script&gt; &amp;"),
            "{html}"
        );
        assert!(
            html.contains(
                r#"<a href="https://dichvucong.gov.vn" rel="noopener" title="t">trang</a>"#
            ),
            "{html}"
        );
        assert!(html.contains(" xấu</p>"), "{html}");
        assert!(!html.contains("javascript"), "{html}");
        assert!(html.contains(r#"<img src="/content/assets/courses/c/images/a.svg" alt="Nút &quot;nguồn&quot;" loading="lazy" decoding="async" width="120" height="80">"#), "{html}");
        assert!(
            html.contains("&lt;div onclick=\"x\"&gt;khối&lt;/div&gt;"),
            "{html}"
        );
        assert!(!html.contains("<div"), "{html}");
    }
}
