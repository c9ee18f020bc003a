//! How bad an incident is: SEV1 (worst) to SEV4.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The severity of an incident; the file, the command line and the config spell it `SEV1`..`SEV4`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "UPPERCASE")]
#[strum(serialize_all = "UPPERCASE")]
pub enum Severity {
    /// Critical: a major outage.
    Sev1,
    /// Major: a large part is down or badly degraded.
    Sev2,
    /// Minor: some users notice.
    Sev3,
    /// Low: hardly anyone notices.
    Sev4,
}

impl Severity {
    /// Every severity, worst first.
    pub const ALL: &'static [Severity] = <Severity as strum::VariantArray>::VARIANTS;

    /// The name written to the file: `SEV1`..`SEV4`.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// A severity name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a severity: use SEV1, SEV2, SEV3 or SEV4")]
pub struct UnknownSeverity(pub String);

impl FromStr for Severity {
    type Err = UnknownSeverity;

    /// Accepts `SEV1`..`SEV4` in any case, with spaces around.
    fn from_str(s: &str) -> Result<Severity, UnknownSeverity> {
        Severity::ALL
            .iter()
            .copied()
            .find(|level| level.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownSeverity(s.trim().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_severity_is_written_as_today() {
        let written: Vec<String> = Severity::ALL
            .iter()
            .map(|s| serde_json::to_string(s).unwrap_or_default())
            .collect();
        assert_eq!(
            written,
            [r#""SEV1""#, r#""SEV2""#, r#""SEV3""#, r#""SEV4""#]
        );
        for s in Severity::ALL {
            assert_eq!(s.to_string(), s.name());
            let back: Severity =
                serde_json::from_str(&format!("\"{s}\"")).unwrap_or(Severity::Sev4);
            assert_eq!(back, *s);
        }
    }

    #[test]
    fn a_severity_parses_in_any_case_and_a_wrong_one_lists_the_choices() {
        assert_eq!(" sev2 ".parse(), Ok(Severity::Sev2));
        assert_eq!("SEV1".parse(), Ok(Severity::Sev1));
        let err = "SEV5".parse::<Severity>().unwrap_err().to_string();
        assert_eq!(
            err,
            "`SEV5` is not a severity: use SEV1, SEV2, SEV3 or SEV4"
        );
    }
}
