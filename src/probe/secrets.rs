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
}
