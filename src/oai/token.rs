//! Resumption tokens: stateless, and correct when records change between pages.
//!
//! A token carries the whole list request plus a position. Two choices make
//! paging robust where an offset would not be:
//!
//! - `until` is frozen at the first request (its responseDate, unless the
//!   harvester gave one), so a record changed or deleted while the harvester
//!   pages moves out of this list (its datestamp is now later) instead of
//!   shifting the others; the harvester's next incremental run, from this
//!   responseDate, picks it up.
//! - The position is the last (datestamp, identifier) delivered, not a count,
//!   so records that come and go before it never make the list skip or
//!   repeat one.
//!
//! Nothing is kept on the server, so tokens never expire and survive a
//! restart. A checksum catches tokens damaged in transit (badResumptionToken
//! rather than a silently different list); it is not a secret, since a forged
//! token can only ask for a list anyone may ask for.

use super::args::{ListVerb, is_metadata_prefix, is_set_spec, parse_datestamp};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// The state of a list request between two pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub verb: ListVerb,
    pub prefix: String,
    pub set: Option<String>,
    pub from: Option<String>,
    /// Frozen at the first request.
    pub until: String,
    /// The last (datestamp, record id) delivered.
    pub after: (String, String),
    /// Items delivered before the next page.
    pub cursor: usize,
}

/// The wire form, with short keys to keep tokens short.
#[derive(Serialize, Deserialize)]
struct Wire {
    v: u8,
    l: char,
    p: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    s: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    f: Option<String>,
    u: String,
    d: String,
    i: String,
    c: usize,
}

const VERSION: u8 = 1;

impl Token {
    pub fn encode(&self) -> String {
        let wire = Wire {
            v: VERSION,
            l: match self.verb {
                ListVerb::Identifiers => 'i',
                ListVerb::Records => 'r',
            },
            p: self.prefix.clone(),
            s: self.set.clone(),
            f: self.from.clone(),
            u: self.until.clone(),
            d: self.after.0.clone(),
            i: self.after.1.clone(),
            c: self.cursor,
        };
        // Serialising a struct of strings and numbers cannot fail.
        let json = serde_json::to_vec(&wire).unwrap_or_default();
        let body = URL_SAFE_NO_PAD.encode(&json);
        format!("{body}.{}", checksum(&body))
    }

    /// `None` for anything that is not a token this repository issued.
    pub fn decode(token: &str) -> Option<Token> {
        let (body, check) = token.rsplit_once('.')?;
        if checksum(body) != check {
            return None;
        }
        let json = URL_SAFE_NO_PAD.decode(body).ok()?;
        let w: Wire = serde_json::from_slice(&json).ok()?;
        let second = |d: &str| parse_datestamp(d).is_some_and(|(c, _)| c == d);
        let valid = w.v == VERSION
            && is_metadata_prefix(&w.p)
            && w.s.as_deref().is_none_or(is_set_spec)
            && w.f.as_deref().is_none_or(second)
            && second(&w.u)
            && second(&w.d)
            && !w.i.is_empty();
        if !valid {
            return None;
        }
        Some(Token {
            verb: match w.l {
                'i' => ListVerb::Identifiers,
                'r' => ListVerb::Records,
                _ => return None,
            },
            prefix: w.p,
            set: w.s,
            from: w.f,
            until: w.u,
            after: (w.d, w.i),
            cursor: w.c,
        })
    }
}

fn checksum(body: &str) -> String {
    let digest = sha2::Sha256::digest(body.as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> Token {
        Token {
            verb: ListVerb::Records,
            prefix: "oai_dc".into(),
            set: Some("region:europe".into()),
            from: None,
            until: "2026-01-01T00:00:00Z".into(),
            after: ("2025-12-31T10:00:00Z".into(), "a-record".into()),
            cursor: 7,
        }
    }

    #[test]
    fn round_trips() {
        let t = token();
        let s = t.encode();
        assert!(
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
            "{s}"
        );
        assert_eq!(Token::decode(&s), Some(t));
    }

    #[test]
    fn damaged_tokens_are_refused() {
        let s = token().encode();
        assert_eq!(Token::decode(&s[1..]), None);
        assert_eq!(Token::decode(&s[..s.len() - 1]), None);
        assert_eq!(Token::decode(""), None);
        assert_eq!(Token::decode("."), None);
        assert_eq!(Token::decode("garbage"), None);
        let mut bad = token();
        bad.until = "2026-13-01T00:00:00Z".into();
        assert_eq!(Token::decode(&bad.encode()), None);
    }
}
