//! `${env:NAME}` in targets and headers: resolved from the environment when a probe runs, and
//! masked in everything a probe records, prints or logs.

/// What masked secrets look like.
pub const MASK: &str = "••••••";

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

/// Replaces every secret value in `text` with [`MASK`].
pub fn mask(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(secret.as_str(), MASK);
    }
    out
}

/// Everything to mask for `secrets` used in a probe of `target` with `headers` (both
/// resolved): each secret as it is, percent-encoded as a URL or a form would carry it, and in
/// base64; and the Basic credentials (`user:password` in base64) of an `Authorization: Basic`
/// header or of the target URL's user info that hold a secret. Longest first, so that a longer
/// form is masked before a shorter one inside it.
pub fn forms(secrets: &[String], target: &str, headers: &[(String, String)]) -> Vec<String> {
    use base64::Engine;
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    // What a URL leaves as it is: letters, digits and `-._~` (RFC 3986's unreserved set).
    const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    // What a URL parser escapes in a query and in a path (the WHATWG URL standard's sets), which
    // is what `final_url` and errors naming a URL show.
    const QUERY: &AsciiSet = &percent_encoding::CONTROLS.add(b' ').add(b'"').add(b'#').add(b'<').add(b'>').add(b'\'');
    const PATH: &AsciiSet = &QUERY.add(b'?').add(b'`').add(b'{').add(b'}');
    let engines = [base64::engine::general_purpose::STANDARD, base64::engine::general_purpose::URL_SAFE];
    let mut forms: Vec<String> = Vec::new();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        forms.push(secret.clone());
        for set in [NON_ALPHANUMERIC, COMPONENT, QUERY, PATH] {
            let encoded = utf8_percent_encode(secret, set).to_string();
            forms.push(lower_hex_escapes(&encoded));
            forms.push(encoded.replace("%20", "+"));
            forms.push(encoded);
        }
        forms.extend(engines.iter().map(|engine| engine.encode(secret)));
    }
    let holds_secret = |text: &str| secrets.iter().any(|secret| !secret.is_empty() && text.contains(secret.as_str()));
    for (name, value) in headers {
        let Some(credentials) = value.trim().strip_prefix("Basic ").filter(|_| name.eq_ignore_ascii_case("authorization")) else { continue };
        let decoded = base64::engine::general_purpose::STANDARD.decode(credentials.trim()).ok().map(|d| String::from_utf8_lossy(&d).into_owned());
        if decoded.as_deref().is_some_and(holds_secret) || holds_secret(credentials) {
            forms.push(credentials.trim().to_string());
        }
    }
    if let Ok(url) = reqwest::Url::parse(target)
        && let Some(password) = url.password()
    {
        let decode = |text: &str| percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned();
        let credentials = format!("{}:{}", decode(url.username()), decode(password));
        if holds_secret(&credentials) {
            forms.extend(engines.iter().map(|engine| engine.encode(&credentials)));
        }
    }
    forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
    forms.dedup();
    forms
}

/// `%2F` as `%2f`: some servers and clients write escapes in lower case.
fn lower_hex_escapes(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut chars = encoded.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            out.extend(chars.by_ref().take(2).map(|h| h.to_ascii_lowercase()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_and_masks() {
        // SAFETY: tests in this module are the only users of this variable name.
        #[allow(unsafe_code, reason = "setting an environment variable is unsafe in Rust 2024; see the SAFETY note")]
        unsafe {
            std::env::set_var("PREFLIGHT_TEST_TOKEN_A", "s3cr3t-value")
        };
        let resolved = resolve("Bearer ${env:PREFLIGHT_TEST_TOKEN_A}").unwrap();
        assert_eq!(resolved.text, "Bearer s3cr3t-value");
        assert_eq!(mask("sent Bearer s3cr3t-value", &resolved.secrets), format!("sent Bearer {MASK}"));
        let err = resolve("${env:PREFLIGHT_TEST_NOT_SET_ANYWHERE}").unwrap_err();
        assert!(err.contains("PREFLIGHT_TEST_NOT_SET_ANYWHERE is not set"), "{err}");
        assert_eq!(resolve("no secrets").unwrap().secrets, Vec::<String>::new());
    }

    #[test]
    fn every_form_of_a_secret_is_masked() {
        use base64::Engine;
        let secret = "p@ss word/äö=1".to_string();
        let user_pass = base64::engine::general_purpose::STANDARD.encode("ops:p@ss word/äö=1");
        let headers = vec![("Authorization".to_string(), format!("Basic {user_pass}"))];
        let forms = forms(std::slice::from_ref(&secret), "https://ops:p%40ss%20word%2F%C3%A4%C3%B6%3D1@127.0.0.1/", &headers);
        let seen = [
            "p@ss word/äö=1".to_string(),
            "p%40ss%20word%2F%C3%A4%C3%B6%3D1".to_string(),
            "p%40ss%20word%2f%c3%a4%c3%b6%3d1".to_string(),
            "p%40ss+word%2F%C3%A4%C3%B6%3D1".to_string(),
            base64::engine::general_purpose::STANDARD.encode(&secret),
            user_pass.clone(),
        ];
        for text in seen {
            let masked = mask(&format!("echo: {text} end"), &forms);
            assert_eq!(masked, format!("echo: {MASK} end"), "{text}");
        }
    }
}
