//! The training settings that can be set one at a time, in one table: each setting's name,
//! help line and how its text sets a [`TrainConfig`]. Every place that takes settings reads
//! this table: the `train` and `cv` flags are built from it (`cli::settings`), and `cv --grid
//! KEY=V1,V2` takes the same names ([`crate::cv::GridAxis`]), so a setting cannot be a flag
//! and not a grid key, or parse one way as a flag and another in a grid.

use crate::config::TrainConfig;
use crate::error::{Error, Result};

mod table;
pub use table::SETTINGS;

/// Where a setting is listed in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Classifier hyperparameters.
    Model,
    /// What the featurizer extracts.
    Features,
    /// The use of `--unlabelled` sentences.
    Unlabelled,
    /// The text normaliser's rules.
    Normalizer,
}

impl Group {
    /// The heading the group's flags are listed under in `--help`.
    pub fn heading(self) -> &'static str {
        match self {
            Group::Model => "Model",
            Group::Features => "Features",
            Group::Unlabelled => "Unlabelled data",
            Group::Normalizer => "Normaliser",
        }
    }
}

/// How a setting is written on the command line and in a grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A setting with a value: `--NAME VALUE` on the command line, `NAME=V1,V2` in a grid.
    Value {
        /// The value's placeholder in `--help`.
        placeholder: &'static str,
        /// The accepted names and their help, for a setting that takes one of a few names
        /// (written as in the JSON configuration); empty for any value that parses.
        choices: &'static [(&'static str, &'static str)],
    },
    /// An on/off setting: `NAME=true,false` in a grid; on the command line the switch
    /// `--FLAG`, which sets it to `when_given` (the value that is not the default).
    Switch {
        /// The switch's flag name.
        flag: &'static str,
        /// The value the switch sets.
        when_given: bool,
    },
}

/// One setting of the table.
#[derive(Debug)]
pub struct Setting {
    /// The setting's name: its grid key, and the flag name of a setting with a value.
    pub name: &'static str,
    /// Its `--help` line, ending with the default.
    pub help: &'static str,
    /// Where `--help` lists it.
    pub group: Group,
    /// How it is written.
    pub kind: Kind,
    /// Sets the configuration from the value's text, or says why the text is no value.
    apply: Apply,
}

type Apply = fn(&mut TrainConfig, &str) -> std::result::Result<(), String>;

impl Setting {
    /// A setting with any value that `apply` accepts.
    const fn value(
        group: Group,
        name: &'static str,
        placeholder: &'static str,
        help: &'static str,
        apply: Apply,
    ) -> Setting {
        Setting::choice(group, name, placeholder, help, &[], apply)
    }

    /// A setting that takes one of `choices` (name, help).
    const fn choice(
        group: Group,
        name: &'static str,
        placeholder: &'static str,
        help: &'static str,
        choices: &'static [(&'static str, &'static str)],
        apply: Apply,
    ) -> Setting {
        Setting {
            name,
            help,
            group,
            kind: Kind::Value {
                placeholder,
                choices,
            },
            apply,
        }
    }

    /// An on/off setting whose switch `--flag` sets it to `when_given`.
    const fn switch(
        group: Group,
        name: &'static str,
        flag: &'static str,
        when_given: bool,
        help: &'static str,
        apply: Apply,
    ) -> Setting {
        Setting {
            name,
            help,
            group,
            kind: Kind::Switch { flag, when_given },
            apply,
        }
    }

    /// The setting's command-line flag name (without `--`).
    pub fn flag(&self) -> &'static str {
        match self.kind {
            Kind::Value { .. } => self.name,
            Kind::Switch { flag, .. } => flag,
        }
    }

    /// Sets this setting of `config` from the text of a value (`true` or `false` for an
    /// on/off setting). Only the text is checked here; ranges and combinations are
    /// [`TrainConfig::check`]'s.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] naming the setting when the text is not a value of it.
    pub fn set(&self, config: &mut TrainConfig, value: &str) -> Result<()> {
        let choices = match self.kind {
            Kind::Value { choices, .. } => choices,
            Kind::Switch { .. } => &[],
        };
        let result = if choices.is_empty() || choices.iter().any(|(name, _)| *name == value) {
            (self.apply)(config, value)
        } else {
            let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
            Err(format!("expected {}", one_of(&names)))
        };
        result.map_err(|reason| Error::InvalidParam {
            name: self.name,
            value: value.to_string(),
            reason,
        })
    }

    /// Checks a value's text and its range, with every other setting at its default: what a
    /// flag's or a grid's value must pass before anything runs. Ranges that depend on another
    /// setting (lr x l2) are [`TrainConfig::check`]'s once every value is applied.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when the text is not a value of the setting or lies out of its
    /// range.
    pub fn check_value(&self, value: &str) -> Result<()> {
        let mut config = TrainConfig::default();
        self.set(&mut config, value)?;
        config.check()
    }
}

/// The setting named `name` (its grid key).
///
/// # Errors
/// [`Error::InvalidParam`] for a name that is no setting, listing the names; a switch's flag
/// name (`no-cues`) is answered with the setting it switches (`cues=true,false`).
pub fn find(name: &str) -> Result<&'static Setting> {
    if let Some(setting) = SETTINGS.iter().find(|s| s.name == name) {
        return Ok(setting);
    }
    let switched = SETTINGS.iter().find_map(|s| match s.kind {
        Kind::Switch { flag, when_given } if flag == name => Some((s.name, when_given)),
        _ => None,
    });
    let reason = match switched {
        Some((setting, when_given)) => format!(
            "--{name} is the switch that sets {setting}={when_given}; a grid takes the \
             setting itself, as in {setting}=true,false"
        ),
        None => {
            let names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
            format!("unknown setting; use {}", one_of(&names))
        }
    };
    Err(Error::InvalidParam {
        name: "grid",
        value: name.to_string(),
        reason,
    })
}

/// `a, b or c`.
fn one_of(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_and_flags_are_unique_and_a_flag_names_only_its_own_setting() {
        let names: HashSet<&str> = SETTINGS.iter().map(|s| s.name).collect();
        let flags: HashSet<&str> = SETTINGS.iter().map(Setting::flag).collect();
        assert_eq!(names.len(), SETTINGS.len());
        assert_eq!(flags.len(), SETTINGS.len());
        for s in &SETTINGS {
            if s.flag() != s.name {
                assert!(
                    !names.contains(s.flag()),
                    "--{} is also a setting",
                    s.flag()
                );
            }
        }
    }

    #[test]
    fn a_switch_moves_its_setting_off_the_default() {
        for s in &SETTINGS {
            if let Kind::Switch { when_given, .. } = s.kind {
                let mut config = TrainConfig::default();
                s.set(&mut config, &when_given.to_string()).unwrap();
                assert_ne!(
                    config,
                    TrainConfig::default(),
                    "--{} changes nothing",
                    s.flag()
                );
                s.set(&mut config, &(!when_given).to_string()).unwrap();
                assert_eq!(config, TrainConfig::default(), "{}", s.name);
            }
        }
    }

    #[test]
    fn choices_are_the_names_the_configuration_file_writes() {
        for s in &SETTINGS {
            let Kind::Value { choices, .. } = s.kind else {
                continue;
            };
            let mut seen = Vec::new();
            for (name, _) in choices {
                let mut config = TrainConfig::default();
                s.set(&mut config, name).unwrap();
                assert!(config.to_json().contains(&format!("\"{name}\"")), "{name}");
                assert!(
                    !seen.contains(&config),
                    "{} {name} repeats a choice",
                    s.name
                );
                seen.push(config);
            }
        }
        let err = find("schedule")
            .unwrap()
            .set(&mut TrainConfig::default(), "Linear")
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidParam { name: "schedule", reason, .. }
                if reason == "expected constant, linear or inverse"),
            "{err}"
        );
    }

    #[test]
    fn bad_text_fails_naming_the_setting() {
        let mut config = TrainConfig::default();
        for (name, bad) in [
            ("epochs", "-1"),
            ("lr", "fast"),
            ("char-ngrams", "3"),
            ("char-ngrams", "a-5"),
            ("cues", "yes"),
        ] {
            let err = find(name).unwrap().set(&mut config, bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidParam { name: n, value, .. } if *n == name && value == bad),
                "{err}"
            );
        }
        assert_eq!(config, TrainConfig::default());
    }

    #[test]
    fn values_out_of_range_fail_as_bad_text_does() {
        for (name, bad) in [
            ("lr", "0"),
            ("hash-bits", "40"),
            ("epochs", "0"),
            ("char-ngrams", "5-3"),
            ("pseudo-weight", "0"),
        ] {
            let err = find(name).unwrap().check_value(bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidParam { name: n, value, .. } if *n == name && value == bad),
                "{name}={bad}: {err}"
            );
        }
        for (name, good) in [("lr", "100"), ("hash-bits", "26"), ("cues", "false")] {
            find(name).unwrap().check_value(good).unwrap();
        }
    }

    #[test]
    fn unknown_names_list_the_settings_and_a_switch_points_to_its_setting() {
        let err = find("colour").unwrap_err().to_string();
        assert!(
            err.contains("use epochs, lr,") && err.ends_with(" or fold-teh-marbuta"),
            "{err}"
        );
        let err = find("no-cues").unwrap_err().to_string();
        assert!(
            err.contains("sets cues=false") && err.contains("cues=true,false"),
            "{err}"
        );
    }
}
