//! The media types that belong to no format enum of ours: the generic ones
//! that routes, negotiation and several formats share. A format's own type
//! lives with the format (`export::Format`, and oxigraph's `RdfFormat` and
//! `QueryResultsFormat` behind `GraphFormat`, `ResultsFormat` and `Doc`).
//! Each type is spelled once, here or there; `*_UTF8` is the same type with
//! the charset our text bodies are written in.

macro_rules! media_types {
    ($($(#[$doc:meta])* $name:ident, $utf8:ident = $lit:literal
        $(, $variant:ident = + $params:literal)?;)*) => {
        $(
            $(#[$doc])*
            pub const $name: &str = $lit;
            #[doc = concat!("`", $lit, "` with `charset=utf-8`.")]
            pub const $utf8: &str = concat!($lit, "; charset=utf-8");
            $(
                #[doc = concat!("`", $lit, $params, "`.")]
                pub const $variant: &str = concat!($lit, $params);
            )?
        )*
    };
}

pub(crate) use media_types;

/// A media type without its parameters (oxigraph's text formats come with
/// their charset).
pub fn essence(media_type: &'static str) -> &'static str {
    media_type.split(';').next().unwrap_or(media_type).trim()
}

/// The `Content-Type` of a body in `media_type`: text types say that it is
/// UTF-8 (their default would be ASCII); others define their own encoding.
pub fn content_type(media_type: &'static str) -> std::borrow::Cow<'static, str> {
    if media_type.starts_with("text/") {
        format!("{media_type}; charset=utf-8").into()
    } else {
        media_type.into()
    }
}

media_types! {
    /// Pages.
    HTML, HTML_UTF8 = "text/html";
    /// What some clients ask for instead of `text/html`.
    XHTML, XHTML_UTF8 = "application/xhtml+xml";
    /// `/records` JSON, error bodies, and an alias of JSON-based formats.
    JSON, JSON_UTF8 = "application/json";
    /// unAPI answers, and an alias of XML-based formats.
    XML, XML_UTF8 = "application/xml";
    /// OAI-PMH, and an older alias of XML-based formats.
    TEXT_XML, TEXT_XML_UTF8 = "text/xml";
    /// Plain-text errors and `robots.txt`; with a version parameter,
    /// Prometheus' text exposition format 0.0.4 (`/metrics`).
    PLAIN, PLAIN_UTF8 = "text/plain",
        PROMETHEUS_TEXT = + "; version=0.0.4; charset=utf-8";
    /// HTML forms and the SPARQL protocol's POST form.
    FORM, FORM_UTF8 = "application/x-www-form-urlencoded";
    /// A SPARQL query as a POST body.
    SPARQL_QUERY, SPARQL_QUERY_UTF8 = "application/sparql-query";
    /// A SPARQL update as a POST body.
    SPARQL_UPDATE, SPARQL_UPDATE_UTF8 = "application/sparql-update";
    /// The dumps.
    GZIP, GZIP_UTF8 = "application/gzip";
    /// The query page's script (`http::assets`).
    JAVASCRIPT, JAVASCRIPT_UTF8 = "text/javascript";
    /// Stylesheets (`http::assets`).
    CSS, CSS_UTF8 = "text/css";
}
