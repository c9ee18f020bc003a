//! The names the timeline file spells: written by this version, read by every other one, so they never
//! change. The literal lists below are that promise.

use super::Milestone;

#[test]
fn every_milestone_keeps_the_name_written_today() {
    let names: Vec<&str> = Milestone::ALL.iter().map(|m| m.name()).collect();
    assert_eq!(names, ["detected", "mitigated", "resolved"]);
    for &m in Milestone::ALL {
        assert_eq!(
            serde_json::to_string(&m).unwrap_or_default(),
            format!("\"{}\"", m.name())
        );
        assert_eq!(m.to_string(), m.name());
        assert_eq!(Milestone::parse(m.name()), Some(m));
        assert_eq!(
            Milestone::parse(&format!(" {} ", m.name().to_uppercase())),
            Some(m)
        );
    }
    assert_eq!(Milestone::parse("fixed"), None);
}
