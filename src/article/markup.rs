//! Articles pasted as HTML: the text a reader sees, one block element per line, so that the
//! segmenter never labels tags and a paragraph break still ends a sentence.
//!
//! The parsing is html5ever's (through `scraper`), the HTML standard's tokenizer and tree
//! builder; only the choice of which elements end a line is ours.

use ego_tree::iter::Edge;
use scraper::{Html, Node};

/// Elements whose start and end break the line.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "title",
    "tr",
    "ul",
];
/// Elements whose content is not text a reader sees.
const HIDDEN: &[&str] = &["head", "script", "style", "template", "noscript", "iframe"];
/// Tags that mark a text as HTML when one opens or closes in it.
const MARKERS: &[&str] = &[
    "a", "article", "b", "body", "br", "div", "em", "h1", "h2", "h3", "head", "html", "i", "li",
    "meta", "p", "section", "span", "strong", "table", "title", "ul",
];

/// Whether `text` is HTML rather than an article's plain text: it holds a tag of the common
/// structural or inline elements (`<p>`, `</div>`, `<br/>`, `<span class=...>`).
pub fn looks_like_html(text: &str) -> bool {
    text.match_indices('<').any(|(at, _)| {
        let rest = &text[at + 1..];
        let rest = rest.strip_prefix('/').unwrap_or(rest);
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let (name, after) = rest.split_at(name_len);
        MARKERS.iter().any(|m| m.eq_ignore_ascii_case(name))
            && after.starts_with(|c: char| c == '>' || c == '/' || c.is_ascii_whitespace())
    })
}

/// The visible text of an HTML document or fragment: entities decoded, scripts and styles
/// dropped, whitespace collapsed as a browser does, one line per block element.
pub fn visible_text(html: &str) -> String {
    let document = Html::parse_document(html);
    let mut raw = String::with_capacity(html.len());
    let mut hidden_depth = 0usize;
    for edge in document.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) if HIDDEN.contains(&e.name()) => hidden_depth += 1,
                Node::Element(e) if BLOCKS.contains(&e.name()) => raw.push('\n'),
                // a newline inside a paragraph's source is a space on the page
                Node::Text(t) if hidden_depth == 0 => {
                    raw.extend(t.chars().map(|c| if c == '\n' { ' ' } else { c }))
                }
                _ => {}
            },
            Edge::Close(node) => match node.value() {
                Node::Element(e) if HIDDEN.contains(&e.name()) => hidden_depth -= 1,
                Node::Element(e) if BLOCKS.contains(&e.name()) => raw.push('\n'),
                _ => {}
            },
        }
    }
    let lines: Vec<String> = raw
        .split('\n')
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect();
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_recognised_and_plain_text_is_not() {
        assert!(looks_like_html("<p>نفت الوزارة</p>"));
        assert!(looks_like_html("نص<br/>آخر"));
        assert!(looks_like_html("<DIV class=\"x\">نص</DIV>"));
        assert!(!looks_like_html("قال إن 3 < 5 وإن العدد <10"));
        assert!(!looks_like_html("نفت الوزارة صحة التقارير."));
    }

    #[test]
    fn blocks_become_lines_and_hidden_content_and_tags_go() {
        let html = "<html><head><title>عنوان</title><style>p{}</style></head><body>\
                    <h1>عنوان الخبر</h1><p>نفت الوزارة &quot;صحة&quot;\n   التقارير.<br>سطر\
                    <b> ثان</b></p><script>var x = 1;</script><p> </p></body></html>";
        assert_eq!(
            visible_text(html),
            "عنوان الخبر\nنفت الوزارة \"صحة\" التقارير.\nسطر ثان\n"
        );
    }
}
