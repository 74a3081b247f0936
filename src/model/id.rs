//! Stable ids derived from text: slugs, de-duplicated within a template.

use std::collections::{HashMap, HashSet};

/// The hasher of the id sets: aHash, fast on short strings, with random keys, so that a
/// checklist written to collide costs no more than any other (egui already builds it).
type Hasher = ahash::RandomState;

/// The longest slug we derive; longer text is cut at a word boundary.
const MAX_SLUG_CHARS: usize = 60;

/// Turns Markdown text into a lowercase, hyphenated id: `**Health check** (port 3001)` →
/// `health-check-port-3001`. Link targets, emoji and punctuation are left out.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_SLUG_CHARS * 2));
    let mut pending_hyphen = false;
    // `]` is found with memchr; most text has none, and then no link either.
    let visible =
        if text.contains(']') && text.contains("](") { std::borrow::Cow::Owned(strip_link_targets(text)) } else { std::borrow::Cow::Borrowed(text) };
    if visible.is_ascii() {
        // The common case, a byte at a time; what lies past the cut cannot change the slug.
        for byte in visible.bytes() {
            if byte.is_ascii_alphanumeric() {
                if pending_hyphen && !out.is_empty() {
                    out.push('-');
                }
                pending_hyphen = false;
                out.push(char::from(byte.to_ascii_lowercase()));
            } else {
                pending_hyphen = true;
            }
            if out.len() > MAX_SLUG_CHARS {
                break;
            }
        }
        return cut_at_word(out);
    }
    for ch in visible.chars() {
        if ch.is_alphanumeric() {
            if pending_hyphen && !out.is_empty() {
                out.push('-');
            }
            pending_hyphen = false;
            if ch.is_ascii() {
                out.push(ch.to_ascii_lowercase());
            } else {
                out.extend(ch.to_lowercase());
            }
        } else {
            pending_hyphen = true;
        }
    }
    cut_at_word(out)
}

/// A slug longer than [`MAX_SLUG_CHARS`] cut to that length, at a word boundary when one is
/// in its second half.
fn cut_at_word(slug: String) -> String {
    if slug.len() <= MAX_SLUG_CHARS || slug.chars().count() <= MAX_SLUG_CHARS {
        return slug;
    }
    let cut: String = slug.chars().take(MAX_SLUG_CHARS).collect();
    match cut.rfind('-') {
        Some(at) if at > MAX_SLUG_CHARS / 2 => cut[..at].to_string(),
        _ => cut,
    }
}

/// Drops the `(url)` part of `[text](url)` so that ids read like the visible text.
fn strip_link_targets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        match after.find(')') {
            Some(close) => rest = &after[close + 1..],
            None => {
                rest = after;
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Hands out unique ids: the slug itself the first time, then `slug-2`, `slug-3`, ….
#[derive(Debug, Default, Clone)]
pub struct IdAllocator {
    used: HashSet<String, Hasher>,
    /// The next number to try per base, so that many duplicates stay linear.
    next_suffix: HashMap<String, usize, Hasher>,
}

impl IdAllocator {
    pub fn new() -> Self {
        Self::default()
    }

    /// An allocator with room for `ids` ids, for handing out many at once.
    pub fn with_capacity(ids: usize) -> Self {
        Self { used: HashSet::with_capacity_and_hasher(ids, Hasher::new()), next_suffix: HashMap::default() }
    }

    /// Marks an id as taken, for ids that were given explicitly.
    pub fn reserve(&mut self, id: &str) -> bool {
        self.used.insert(id.to_string())
    }

    /// A fresh id based on `text`, using `fallback` when the text has no letters or digits.
    pub fn allocate(&mut self, text: &str, fallback: &str) -> String {
        let mut base = slug(text);
        if base.is_empty() {
            base = fallback.to_string();
        }
        if self.used.insert(base.clone()) {
            return base;
        }
        let next = self.next_suffix.entry(base.clone()).or_insert(2);
        loop {
            let candidate = format!("{base}-{next}");
            *next += 1;
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_read_like_the_text() {
        assert_eq!(slug("**Health check** (port 3001)"), "health-check-port-3001");
        assert_eq!(slug("📋 Pre-Deployment Checklist"), "pre-deployment-checklist");
        assert_eq!(slug("[Status Page](https://status.company.com)"), "status-page");
        assert_eq!(slug("Проверка сертификата"), "проверка-сертификата");
        assert_eq!(slug("🎉"), "");
    }

    #[test]
    fn long_text_is_cut_at_a_word() {
        let id = slug("Set up secrets management (AWS Secrets Manager, HashiCorp Vault, etc.) everywhere");
        assert!(id.chars().count() <= MAX_SLUG_CHARS);
        assert!(!id.ends_with('-'));
        assert_eq!(id, "set-up-secrets-management-aws-secrets-manager-hashicorp");
    }

    #[test]
    fn duplicates_get_a_number() {
        let mut ids = IdAllocator::new();
        assert_eq!(ids.allocate("Rate limiting enabled", "item"), "rate-limiting-enabled");
        assert_eq!(ids.allocate("Rate limiting enabled", "item"), "rate-limiting-enabled-2");
        assert_eq!(ids.allocate("🎉", "item"), "item");
        assert_eq!(ids.allocate("", "item"), "item-2");
    }
}
