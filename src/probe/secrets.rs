//! `${env:NAME}` in targets and headers: resolved from the environment when a probe runs, and
//! masked in everything a probe records, prints or logs, in every form the value can take on
//! the way back: as written, percent-encoded in a URL, escaped in a JSON string or in HTML, and
//! inside `Authorization: Basic`.

/// What masked secrets look like.
pub const MASK: &str = "••••••";

/// The shortest captured value masked as a secret (see [`Secrets::with_values`]).
pub const MIN_CAPTURED_SECRET: usize = 4;

/// Text with its `${env:NAME}` references resolved, and the secret values that went in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub text: String,
    pub secrets: Vec<String>,
}

/// Resolves every `${env:NAME}`; a variable that is not set is an error naming it.
pub fn resolve(text: &str) -> Result<Resolved, String> {
    let mut out = String::with_capacity(text.len());
    let mut secrets = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${env:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "${env:".len()..];
        let end = after.find('}').ok_or_else(|| format!("`{}` is not closed with `}}`", &rest[start..]))?;
        let name = &after[..end];
        let value = std::env::var(name).map_err(|_| format!("the environment variable {name} is not set (used as ${{env:{name}}})"))?;
        out.push_str(&value);
        if !value.is_empty() {
            secrets.push(value);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Resolved { text: out, secrets })
}

/// The secrets of one probe, in every form a server can send them back in.
///
/// Each form matches as written or escaped, byte by byte in any mix: percent-encoded (`%2F` or
/// `%2f` for `/`, `+` for a space, and escapes escaped again: `%252F`), which covers a URL's
/// path, query and userinfo whatever a server or the URL parser chose to encode; as a JSON
/// string writes it (`\"`, `\\`, `\/`, `\u0041`), for a server that echoes a header into
/// a JSON body; and as HTML writes it (`&amp;`, `&quot;`, `&#39;`, `&#x2F;`). Beyond the values themselves, the forms are their base64 and,
/// for Basic authentication, the base64 of `user:password` that a URL's userinfo turns into, and
/// the `user:password` inside a Basic header's base64 value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    /// Longest first, so that a form containing another is masked whole.
    forms: Vec<String>,
}

impl Secrets {
    /// The forms of `values`, the secrets resolved into `target` and `headers` (already
    /// resolved). Nothing is derived when no secret went in.
    pub fn new(values: &[String], target: &str, headers: &[(String, String)]) -> Secrets {
        let values: Vec<&String> = values.iter().filter(|v| !v.is_empty()).collect();
        if values.is_empty() {
            return Secrets::default();
        }
        let holds_secret = |text: &str| values.iter().any(|v| text.contains(v.as_str()));
        let mut forms: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        for value in &values {
            forms.extend(base64_forms(value.as_bytes()));
        }
        // reqwest sends a URL's userinfo as `Authorization: Basic base64(user:password)`, each
        // part percent-decoded.
        if let Ok(url) = reqwest::Url::parse(target)
            && (holds_secret(&percent_decoded(url.username())) || url.password().is_some_and(|p| holds_secret(&percent_decoded(p))))
        {
            let credentials = format!("{}:{}", percent_decoded(url.username()), percent_decoded(url.password().unwrap_or_default()));
            forms.extend(base64_forms(credentials.as_bytes()));
        }
        // A Basic header given as a secret: the server may echo what it decodes to.
        for (_, value) in headers.iter().filter(|(name, value)| name.eq_ignore_ascii_case("authorization") && holds_secret(value)) {
            let Some(token) = value.trim().strip_prefix("Basic ").or_else(|| value.trim().strip_prefix("basic ")) else { continue };
            let Some(decoded) = base64_decoded(token.trim()).and_then(|bytes| String::from_utf8(bytes).ok()) else { continue };
            if let Some((_, password)) = decoded.split_once(':')
                && !password.is_empty()
            {
                forms.push(password.to_string());
            }
            forms.push(decoded);
        }
        Secrets { forms }.ordered()
    }

    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// These secrets and `values` (what a flow's steps captured), each as written and as its
    /// base64. Values shorter than [`MIN_CAPTURED_SECRET`] characters are left out: masking
    /// every `42` in a record would hide evidence and protect nothing.
    pub fn with_values(mut self, values: &[String]) -> Secrets {
        for value in values.iter().filter(|v| v.chars().count() >= MIN_CAPTURED_SECRET) {
            self.forms.push(value.clone());
            self.forms.extend(base64_forms(value.as_bytes()));
        }
        self.ordered()
    }

    /// The forms without empty ones or repeats, longest first, so that a form containing
    /// another is masked whole.
    fn ordered(mut self) -> Secrets {
        self.forms.retain(|form| !form.is_empty());
        self.forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        self.forms.dedup();
        self
    }

    /// Replaces every form of every secret in `text` with [`MASK`]. Mask before cutting a text
    /// short: a secret cut in two is no longer recognised.
    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_string();
        for form in &self.forms {
            out = mask_form(&out, form.as_bytes());
        }
        out
    }
}

/// `text` with every match of `form` (see [`Secrets`]) replaced by [`MASK`].
fn mask_form(text: &str, form: &[u8]) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut scratch = (Vec::new(), Vec::new());
    let (mut copied, mut at) = (0, 0);
    // Only these bytes can start a match.
    let starts = |b: &u8| *b == form[0] || matches!(b, b'%' | b'+' | b'\\' | b'&');
    while let Some(skipped) = bytes[at..].iter().position(starts) {
        at += skipped;
        match match_at(bytes, at, form, &mut scratch) {
            Some(end) => {
                out.push_str(&text[copied..at]);
                out.push_str(MASK);
                (copied, at) = (end, end);
            }
            None => at += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Where the longest match of `form` starting at `start` ends. A match starts at a character
/// boundary (the form's first byte, or `%` or `+`, which are ASCII) and ends after a whole
/// character or escape, so slicing `text` there is safe. `scratch` holds the positions still
/// possible, reused from call to call.
fn match_at(text: &[u8], start: usize, form: &[u8], scratch: &mut (Vec<usize>, Vec<usize>)) -> Option<usize> {
    let first = *text.get(start)?;
    let could_start = match first {
        _ if first == form[0] => true,
        b'+' => form[0] == b' ',
        b'%' => text.get(start + 1..start + 3).and_then(hex_byte).is_some_and(|b| b == form[0] || b == b'%' || (b == b'+' && form[0] == b' ')),
        b'\\' | b'&' => {
            let mut ends = Vec::new();
            markup_escapes_of(text, start, form[0], &mut ends);
            !ends.is_empty()
        }
        _ => false,
    };
    if !could_start {
        return None;
    }
    // Most matches are the form as written; without a `%` or `+` where it stops matching as
    // written, nothing else can match either.
    let same = text[start..].iter().zip(form).take_while(|(a, b)| a == b).count();
    if same == form.len() {
        return Some(start + form.len());
    }
    if !text[start..text.len().min(start + same + 1)].iter().any(|b| matches!(b, b'%' | b'+' | b'\\' | b'&')) {
        return None;
    }
    // Each byte of the form may appear as itself or escaped, so a match can end at several
    // places; the positions still possible are few.
    let (positions, next) = scratch;
    positions.clear();
    positions.push(start);
    for &want in form {
        next.clear();
        for &at in positions.iter() {
            if text.get(at) == Some(&want) || (want == b' ' && text.get(at) == Some(&b'+')) {
                next.push(at + 1);
            }
            match text.get(at) {
                Some(b'%') => escapes_of(text, at + 1, want, next),
                Some(b'\\' | b'&') => markup_escapes_of(text, at, want, next),
                _ => {}
            }
        }
        next.sort_unstable();
        next.dedup();
        if next.is_empty() {
            return None;
        }
        std::mem::swap(positions, next);
    }
    positions.last().copied()
}

/// Where an escape of `want` that starts with a `%` before `digits_at` ends: `%2F`, and the
/// same escaped again and again (`%252F`, `%25252F`), as a server writes a URL it received into
/// the query of another; `%2B` stands for a space as `+` does.
fn escapes_of(text: &[u8], mut digits_at: usize, want: u8, ends: &mut Vec<usize>) {
    while let Some(byte) = text.get(digits_at..digits_at + 2).and_then(hex_byte) {
        if byte == want || (want == b' ' && byte == b'+') {
            ends.push(digits_at + 2);
        }
        if byte != b'%' {
            return;
        }
        digits_at += 2;
    }
}

/// Where an escape of the ASCII byte `want` that starts at `at` ends, as JSON writes a string
/// (`\"`, `\\`, `\/`, `\u002F`) or HTML writes text (`&quot;`, `&amp;`, `&lt;`, `&gt;`,
/// `&apos;`, `&#47;`, `&#x2F;`).
fn markup_escapes_of(text: &[u8], at: usize, want: u8, ends: &mut Vec<usize>) {
    let rest = &text[at.min(text.len())..];
    match rest.first() {
        Some(b'\\') => {
            if rest.get(1) == Some(&want) && matches!(want, b'"' | b'\\' | b'/') {
                ends.push(at + 2);
            }
            if matches!(rest.get(1), Some(b'u' | b'U'))
                && let Some([a, b, c, d]) = rest.get(2..6).map(|hex| [hex[0], hex[1], hex[2], hex[3]])
                && let (Some(high), Some(low)) = (hex_byte(&[a, b]), hex_byte(&[c, d]))
                && high == 0
                && low == want
            {
                ends.push(at + 6);
            }
        }
        Some(b'&') => {
            let Some(end) = rest.iter().take(10).position(|b| *b == b';') else { return };
            let entity = &rest[1..end];
            let decoded = match entity {
                b"amp" => Some(b'&'),
                b"lt" => Some(b'<'),
                b"gt" => Some(b'>'),
                b"quot" => Some(b'"'),
                b"apos" => Some(b'\''),
                [b'#', b'x' | b'X', hex @ ..] => std::str::from_utf8(hex).ok().and_then(|h| u8::from_str_radix(h, 16).ok()),
                [b'#', digits @ ..] => std::str::from_utf8(digits).ok().and_then(|d| d.parse::<u8>().ok()),
                _ => None,
            };
            if decoded == Some(want) {
                ends.push(at + end + 1);
            }
        }
        _ => {}
    }
}

fn hex_byte(digits: &[u8]) -> Option<u8> {
    let nibble = |digit: u8| char::from(digit).to_digit(16);
    match digits {
        [high, low] => Some((nibble(*high)? << 4 | nibble(*low)?) as u8),
        _ => None,
    }
}

/// `%XX` escapes decoded; text that does not decode to UTF-8 is kept as it is.
fn percent_decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8().map_or_else(|_| text.to_string(), |decoded| decoded.into_owned())
}

/// Standard base64 without padding, and its URL-safe spelling when that differs. Without the
/// padding, the form also matches a padded copy (the `=` left over reveals nothing).
fn base64_forms(bytes: &[u8]) -> Vec<String> {
    use base64::Engine;
    let standard = base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes);
    let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    if url_safe == standard { vec![standard] } else { vec![standard, url_safe] }
}

/// Standard or URL-safe base64, padded or not; `None` for anything else.
fn base64_decoded(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
    let lenient = GeneralPurposeConfig::new().with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent);
    let standard = GeneralPurpose::new(&base64::alphabet::STANDARD, lenient);
    let url_safe = GeneralPurpose::new(&base64::alphabet::URL_SAFE, lenient);
    standard.decode(text).or_else(|_| url_safe.decode(text)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(values: &[&str]) -> Secrets {
        Secrets::new(&values.iter().map(|v| v.to_string()).collect::<Vec<_>>(), "", &[])
    }

    #[test]
    fn resolves_and_masks() {
        // SAFETY: tests in this module are the only users of this variable name.
        #[allow(unsafe_code, reason = "setting an environment variable is unsafe in Rust 2024; see the SAFETY note")]
        unsafe {
            std::env::set_var("PREFLIGHT_TEST_TOKEN_A", "s3cr3t-value")
        };
        let resolved = resolve("Bearer ${env:PREFLIGHT_TEST_TOKEN_A}").unwrap();
        assert_eq!(resolved.text, "Bearer s3cr3t-value");
        let secrets = Secrets::new(&resolved.secrets, "", &[]);
        assert_eq!(secrets.mask("sent Bearer s3cr3t-value"), format!("sent Bearer {MASK}"));
        let err = resolve("${env:PREFLIGHT_TEST_NOT_SET_ANYWHERE}").unwrap_err();
        assert!(err.contains("PREFLIGHT_TEST_NOT_SET_ANYWHERE is not set"), "{err}");
        assert_eq!(resolve("no secrets").unwrap().secrets, Vec::<String>::new());
    }

    #[test]
    fn masks_a_secret_percent_encoded_in_any_mix() {
        let secrets = secrets(&["a b/c%d"]);
        for text in ["a b/c%d", "a%20b%2Fc%25d", "a+b%2fc%25d", "a%20b/c%d", "%61%20%62/c%25%64", "a%2520b%252Fc%2525d", "a%252Bb%25252Fc%d"] {
            assert_eq!(secrets.mask(&format!("x={text}&y")), format!("x={MASK}&y"), "{text}");
        }
        // A `%` of the secret read raw, or as the start of an escape, whichever matches.
        assert_eq!(secrets.mask("a b/c%25d a b/c%d"), format!("{MASK} {MASK}"));
        assert_eq!(secrets.mask("a b/c"), "a b/c", "a part of a secret is not the secret");
        assert_eq!(Secrets::default().mask("a b/c%d"), "a b/c%d");
    }

    #[test]
    fn masks_a_secret_escaped_in_json_or_html() {
        let secrets = secrets(&["p\"w/d&<1>'"]);
        for text in [
            r#"p\"w\/d&<1>'"#,
            r#"p\u0022w/d\u0026\u003C1\u003e\u0027"#,
            "p&quot;w&#x2F;d&amp;&lt;1&gt;&#39;",
            "p&#34;w/d&amp;<1>&apos;",
            "p%22w\\/d&amp;%3C1>'",
        ] {
            assert_eq!(secrets.mask(&format!("{{\"token\": \"{text}\"}}")), format!("{{\"token\": \"{MASK}\"}}"), "{text}");
        }
        assert_eq!(secrets.mask("p&quot;w"), "p&quot;w", "a part of a secret is not the secret");
        assert_eq!(secrets.mask("&amp; \\ \"quoted\""), "&amp; \\ \"quoted\"");
    }

    #[test]
    fn masks_the_base64_forms_of_basic_authentication() {
        // base64("probe:Wb6+Tn1/Qe8") = cHJvYmU6V2I2K1RuMS9RZTg=
        let from_url = Secrets::new(&["Wb6+Tn1/Qe8".into()], "http://probe:Wb6%2BTn1%2FQe8@host/", &[]);
        assert_eq!(from_url.mask("Basic cHJvYmU6V2I2K1RuMS9RZTg="), format!("Basic {MASK}="));
        assert_eq!(from_url.mask("auth=Basic%20cHJvYmU6V2I2K1RuMS9RZTg%3D"), format!("auth=Basic%20{MASK}%3D"));
        // A Basic header given as a secret: what it decodes to is masked too.
        let header = vec![("Authorization".to_string(), "Basic cHJvYmU6V2I2K1RuMS9RZTg=".to_string())];
        let from_header = Secrets::new(&["cHJvYmU6V2I2K1RuMS9RZTg=".into()], "http://host/", &header);
        assert_eq!(from_header.mask("you are probe:Wb6+Tn1/Qe8"), format!("you are {MASK}"));
        assert_eq!(from_header.mask("password Wb6+Tn1/Qe8"), format!("password {MASK}"));
    }

    #[test]
    fn base64_round_trips() {
        for text in ["", "a", "ab", "abc", "probe:Wb6+Tn1/Qe8", "ünïcode"] {
            let encoded = &base64_forms(text.as_bytes())[0];
            assert_eq!(base64_decoded(encoded).as_deref(), Some(text.as_bytes()), "{text}");
        }
        assert_eq!(base64_forms(b"probe:Wb6+Tn1/Qe8")[0], "cHJvYmU6V2I2K1RuMS9RZTg");
        assert_eq!(base64_decoded("not base64!"), None);
    }
}
