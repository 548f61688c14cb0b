//! Answering an engine's authentication challenge: HTTP Digest (RFC 7616,
//! through `digest_auth`), or Basic where the engine offers only that.

use super::backend::Credentials;
use base64::Engine as _;

/// The `Authorization` header for a request of `method` to `url` that
/// answers the `WWW-Authenticate` challenges `challenges`; `None` when none
/// of them is a scheme we speak.
pub fn answer(
    challenges: &[String],
    credentials: &Credentials,
    method: &str,
    url: &str,
) -> Result<Option<String>, String> {
    if let Some(digest) = challenges
        .iter()
        .find(|c| scheme(c).eq_ignore_ascii_case("digest"))
    {
        let mut prompt =
            digest_auth::parse(digest).map_err(|e| format!("its Digest challenge: {e}"))?;
        let context = digest_auth::AuthContext::new_with_method(
            credentials.user.as_str(),
            credentials.password(),
            request_uri(url),
            Option::<&[u8]>::None,
            digest_auth::HttpMethod(method.to_string().into()),
        );
        let answer = prompt
            .respond(&context)
            .map_err(|e| format!("its Digest challenge: {e}"))?;
        return Ok(Some(answer.to_header_string()));
    }
    if challenges
        .iter()
        .any(|c| scheme(c).eq_ignore_ascii_case("basic"))
    {
        let token = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            credentials.user,
            credentials.password()
        ));
        return Ok(Some(format!("Basic {token}")));
    }
    Ok(None)
}

fn scheme(challenge: &str) -> &str {
    challenge.trim().split([' ', ',']).next().unwrap_or("")
}

/// The path and query of `url`: the `uri` a Digest answer covers.
fn request_uri(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or("/", |i| &rest[i..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_challenge_is_answered_for_the_request_s_path() {
        let c = Credentials::new("palermo", "secret");
        let virtuoso = r#"Digest realm="SPARQL", domain="/sparql-auth", nonce="b6a63e31be0f3fef8edb916ce5e7d8b7", opaque="5ebe2294ecd0e0f08eab7690d2a6ee69", stale="false", qop="auth", algorithm="MD5""#;
        let h = answer(
            &[virtuoso.to_string()],
            &c,
            "PUT",
            "http://127.0.0.1:8890/sparql-graph-crud-auth?graph=http%3A%2F%2Fex%2Fg",
        )
        .unwrap()
        .unwrap();
        assert!(h.starts_with("Digest username=\"palermo\""), "{h}");
        assert!(h.contains("uri=\"/sparql-graph-crud-auth?graph=http%3A%2F%2Fex%2Fg\""));
        assert!(h.contains("qop=auth") && h.contains("nc=00000001"), "{h}");
        assert!(!h.contains("secret"));
    }

    #[test]
    fn basic_only_when_offered_alone_and_nothing_for_other_schemes() {
        let c = Credentials::new("u", "p");
        let h = answer(&["Basic realm=\"x\"".into()], &c, "POST", "http://h/u").unwrap();
        assert_eq!(h.as_deref(), Some("Basic dTpw"));
        let h = answer(&["Bearer realm=\"x\"".into()], &c, "POST", "http://h/u").unwrap();
        assert_eq!(h, None);
        let e = answer(&["Digest nonce=\"x\"".into()], &c, "POST", "http://h/u").unwrap_err();
        assert!(e.contains("Digest challenge"), "{e}");
        assert_eq!(request_uri("http://h:1"), "/");
    }
}
