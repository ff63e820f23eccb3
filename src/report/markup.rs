//! Small pieces of the report's HTML that every page shares: text escaped for HTML, and a chart
//! as a figure with its SVG inlined.

use super::frame::Rendered;

/// Escapes text for HTML content and attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
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

/// One chart as a figure: the inline SVG and its caption.
pub(crate) fn figure(chart: &Rendered) -> String {
    format!(
        "<figure class=\"chart\" id=\"chart-{}\" data-chart=\"{}\">{}<figcaption>{}</figcaption></figure>\n",
        esc(&chart.name),
        esc(&chart.name),
        inline_svg(&chart.svg, &chart.title),
        esc(&chart.caption)
    )
}

/// Prepares plotters' SVG for inlining: drops any XML prolog and the namespace URL (HTML5 does
/// not need it, and the report must contain no external URL), and labels it for screen readers.
fn inline_svg(svg: &str, title: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    svg[start..]
        .replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
        .replacen(
            "<svg ",
            &format!("<svg role=\"img\" aria-label=\"{}\" ", esc(title)),
            1,
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_svg_drops_namespace_url_and_prolog() {
        let svg = "<?xml version=\"1.0\"?>\n<svg width=\"1\" xmlns=\"http://www.w3.org/2000/svg\"><text>t</text></svg>";
        let out = inline_svg(svg, "A <b> title");
        assert!(out.starts_with("<svg role=\"img\" aria-label=\"A &lt;b&gt; title\" width=\"1\">"));
        assert!(!out.contains("http"));
    }
}
