//! Who may sign what, judged from the run file alone: roles that must be signed with a key,
//! roles a template keeps apart (segregation of duties), and one person holding several roles.
//!
//! Two signatures are by the same person when a name matches (the printed name or whoever
//! entered it, compared without case or extra spaces) or when they carry the same public key.

use std::fmt;

use super::{Role, Run, Signature};

/// Two roles the template keeps apart, signed by one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyBreach {
    /// The two roles' ids, in the template's order.
    pub roles: [String; 2],
    pub titles: [String; 2],
    /// Who signed both, as the record names them.
    pub person: String,
}

impl DutyBreach {
    pub fn involves(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

impl fmt::Display for DutyBreach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} and {} must be signed by different people, but {} signed both", self.titles[0], self.titles[1], self.person)
    }
}

/// One person who holds more than one role's current signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedSigner {
    pub person: String,
    /// The roles' titles, in the template's order.
    pub titles: Vec<String>,
}

impl fmt::Display for SharedSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} signed {} roles: {}", self.person, self.titles.len(), self.titles.join(", "))
    }
}

/// A name as people compare names: case and runs of spaces do not tell two people apart.
pub fn same_name(a: &str, b: &str) -> bool {
    let words = |s: &str| s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>();
    let a = words(a);
    !a.is_empty() && a == words(b)
}

/// How two signatures are the same person, as words for a message; None when they are not.
pub fn same_person(a: &Signature, b: &Signature) -> Option<String> {
    let names = |s: &Signature| std::iter::once(s.name.clone()).chain(s.entered_by.clone()).collect::<Vec<_>>();
    for name in names(a) {
        if names(b).iter().any(|other| same_name(&name, other)) {
            return Some(name);
        }
    }
    match (&a.key, &b.key) {
        (Some(x), Some(y)) if x.public_key == y.public_key => Some(format!("{} and {} (one key)", a.name, b.name)),
        _ => None,
    }
}

fn kept_apart(a: &Role, b: &Role) -> bool {
    a.separate_from.contains(&b.id) || b.separate_from.contains(&a.id)
}

impl Run {
    /// Each role with its current (newest) signature, in the template's order.
    fn current_signatures(&self) -> Vec<(Role, &Signature)> {
        self.roles()
            .into_iter()
            .filter_map(|role| {
                let signature = self.signatures.iter().rev().find(|s| s.role == role.id)?;
                Some((role, signature))
            })
            .collect()
    }

    /// Pairs of roles the template keeps apart whose current signatures are by one person.
    pub fn duty_breaches(&self) -> Vec<DutyBreach> {
        let current = self.current_signatures();
        let mut breaches = Vec::new();
        for (i, (role_a, a)) in current.iter().enumerate() {
            for (role_b, b) in &current[i + 1..] {
                if kept_apart(role_a, role_b)
                    && let Some(person) = same_person(a, b)
                {
                    breaches.push(DutyBreach {
                        roles: [role_a.id.clone(), role_b.id.clone()],
                        titles: [role_a.title.clone(), role_b.title.clone()],
                        person,
                    });
                }
            }
        }
        breaches
    }

    /// The breach that `signature` would make, signed now in its role: the first role kept
    /// apart from it whose current signature is by the same person.
    pub fn breach_if_signed(&self, signature: &Signature) -> Option<DutyBreach> {
        let roles = self.roles();
        let role = roles.iter().find(|r| r.id == signature.role)?;
        self.current_signatures().into_iter().filter(|(other, _)| other.id != role.id && kept_apart(role, other)).find_map(|(other, existing)| {
            let person = same_person(signature, existing)?;
            let position = |id: &str| roles.iter().position(|r| r.id == id);
            let (first, second) = if position(&role.id) < position(&other.id) { (role.clone(), other) } else { (other, role.clone()) };
            Some(DutyBreach { roles: [first.id, second.id], titles: [first.title, second.title], person })
        })
    }

    /// People who hold more than one role's current signature, whether or not the template
    /// keeps those roles apart: an auditor wants to see it either way.
    pub fn shared_signers(&self) -> Vec<SharedSigner> {
        let current = self.current_signatures();
        let mut grouped = vec![false; current.len()];
        let mut shared = Vec::new();
        for (i, (role, signature)) in current.iter().enumerate() {
            if grouped[i] {
                continue;
            }
            let mut titles = vec![role.title.clone()];
            for (j, (other_role, other)) in current.iter().enumerate().skip(i + 1) {
                if !grouped[j] && same_person(signature, other).is_some() {
                    grouped[j] = true;
                    titles.push(other_role.title.clone());
                }
            }
            if titles.len() > 1 {
                shared.push(SharedSigner { person: signature.name.clone(), titles });
            }
        }
        shared
    }

    /// Roles that must be signed with a key whose current signature has none, with the signer.
    pub fn keyless_signatures(&self) -> Vec<(Role, String)> {
        self.current_signatures()
            .into_iter()
            .filter(|(role, signature)| role.require_key && signature.key.is_none())
            .map(|(role, signature)| (role, signature.name.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{KeyAlgorithm, KeySignature, Stroke, Timestamp};

    fn signature(role: &str, name: &str, entered_by: Option<&str>, key: Option<&str>) -> Signature {
        Signature {
            role: role.into(),
            role_title: role.into(),
            name: name.into(),
            entered_by: entered_by.map(String::from),
            meaning: "ok".into(),
            attestation: "a".into(),
            at: Timestamp::parse("2026-12-02T10:00:00Z").unwrap(),
            strokes: vec![Stroke { points: vec![[0.0, 0.0], [1.0, 1.0]] }],
            content_sha256: String::new(),
            go: false,
            blockers: vec![],
            blockers_seen: None,
            waivers: vec![],
            acknowledgement: None,
            key: key.map(|public_key| KeySignature {
                algorithm: KeyAlgorithm::EcdsaP256,
                public_key: public_key.into(),
                signature: String::new(),
                certificate: None,
            }),
        }
    }

    #[test]
    fn names_match_without_case_or_extra_spaces() {
        assert!(same_name("Quinn  QA", " quinn qa"));
        assert!(!same_name("Quinn QA", "Quinn Q"));
        assert!(!same_name("", " "));
    }

    #[test]
    fn the_same_person_by_name_by_who_entered_it_or_by_key() {
        let rita = signature("rm", "Rita Release", None, Some("02aa"));
        assert_eq!(same_person(&rita, &signature("qa", "rita release", None, None)).as_deref(), Some("Rita Release"));
        assert_eq!(same_person(&rita, &signature("qa", "Quinn QA", Some("Rita Release"), None)).as_deref(), Some("Rita Release"));
        assert_eq!(same_person(&rita, &signature("qa", "Quinn QA", None, Some("02aa"))).as_deref(), Some("Rita Release and Quinn QA (one key)"));
        assert_eq!(same_person(&rita, &signature("qa", "Quinn QA", None, Some("02bb"))), None);
    }
}
