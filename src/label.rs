//! The three stance labels of the annotation guideline (`../shared/ANNOTATION.md`).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How a sentence presents its main proposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    /// The proposition is presented as true.
    Assertion,
    /// Someone rejects, denies or refutes the proposition.
    Denial,
    /// The proposition is attributed to a source and marked as unverified or contested.
    Allegation,
}

impl Stance {
    /// All labels, in the fixed order used for class indices.
    pub const ALL: [Stance; 3] = [Stance::Assertion, Stance::Denial, Stance::Allegation];

    /// The label's name as written in data files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Assertion => "assertion",
            Stance::Denial => "denial",
            Stance::Allegation => "allegation",
        }
    }

    /// The class index of the label (its position in [`Stance::ALL`]).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The label at a class index, if there is one.
    pub fn from_index(index: usize) -> Option<Stance> {
        Stance::ALL.get(index).copied()
    }
}

impl fmt::Display for Stance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a word that is not one of the three labels.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown label {0:?} (expected assertion, denial or allegation)")]
pub struct UnknownLabel(pub String);

impl FromStr for Stance {
    type Err = UnknownLabel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "assertion" => Ok(Stance::Assertion),
            "denial" => Ok(Stance::Denial),
            "allegation" => Ok(Stance::Allegation),
            other => Err(UnknownLabel(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for label in Stance::ALL {
            assert_eq!(label.as_str().parse::<Stance>(), Ok(label));
            assert_eq!(Stance::from_index(label.index()), Some(label));
        }
    }

    #[test]
    fn unknown_and_miscased_labels_are_rejected() {
        assert_eq!(
            "denail".parse::<Stance>(),
            Err(UnknownLabel("denail".into()))
        );
        assert!("Denial".parse::<Stance>().is_err());
        assert!("".parse::<Stance>().is_err());
    }

    #[test]
    fn serde_uses_lowercase_names() {
        assert_eq!(
            serde_json::to_string(&Stance::Allegation).unwrap(),
            "\"allegation\""
        );
    }
}
