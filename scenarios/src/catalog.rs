//! The built-in catalogue: every `scenarios/catalog/*.toml`, embedded at build time.

use crate::spec::{Scenario, SpecError};

include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));

/// The seed story, which `scenarios` with no arguments tells.
pub const SEED: &str = "seed-story";

/// Every built-in scenario, parsed, in file-name order.
pub fn scenarios() -> Result<Vec<Scenario>, SpecError> {
    FILES
        .iter()
        .map(|(file, text)| Scenario::parse(text, &format!("catalog/{file}"), None))
        .collect()
}

/// A built-in scenario by name (its file stem or its `name`).
pub fn find(name: &str) -> Result<Option<Scenario>, SpecError> {
    Ok(scenarios()?
        .into_iter()
        .find(|scenario| scenario.name == name))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_catalogue_file_parses_and_names_are_unique() {
        let scenarios = super::scenarios().unwrap_or_else(|error| panic!("{error}"));
        let mut names: Vec<_> = scenarios.iter().map(|s| s.name.clone()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), scenarios.len());
    }
}
