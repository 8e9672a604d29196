//! The argument groups several verbs share: the training configuration of `train` and `cv`
//! ([`ConfigArgs`]: `--config FILE` and one flag per setting) and the model of the verbs that
//! run one ([`ModelArgs`]: `--model FILE`).
//!
//! The setting flags are built from the table of settings ([`crate::settings::SETTINGS`]) by
//! a hand-written `clap::Args` impl rather than declared field by field with clap's derive: a
//! derive struct would be a second list of the same settings beside the table that `cv --grid`
//! reads, free to drift from it (a setting a flag and not a grid key, or parsed differently).
//! Built from the table, each flag has the setting's name, help, heading and parser, and
//! applying a flag is applying the setting, exactly as a grid point does.

use super::io::ModelFile;
use crate::config::TrainConfig;
use crate::settings::{Kind, Setting, SETTINGS};
use anyhow::Context;
use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Arg, ArgAction, ArgMatches, Command};
use std::path::PathBuf;

/// The configuration `train` and `cv` start from: a JSON file, with the setting flags over it.
#[derive(Debug, Clone, clap::Args)]
pub struct ConfigArgs {
    /// Base training configuration (JSON, as written by --save-config or `stance inspect
    /// --config`); the setting flags below override it [default: the defaults shown].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The setting flags given.
    #[command(flatten)]
    pub settings: SettingFlags,
}

impl ConfigArgs {
    /// The configuration of `verb`: `--config`, else the defaults, with the setting flags
    /// applied, every setting checked.
    ///
    /// # Errors
    /// An unreadable or malformed configuration file, or one with a setting out of range,
    /// naming the file; setting flags out of range together (lr x l2), as a usage error of
    /// `verb` ([`super::usage_error`]).
    pub fn resolve(&self, verb: &str) -> anyhow::Result<TrainConfig> {
        let mut config = match &self.config {
            Some(path) => TrainConfig::load(path)
                .and_then(|config| config.check().map(|()| config))
                .with_context(|| format!("reading config {}", path.display()))?,
            None => TrainConfig::default(),
        };
        self.settings.apply(&mut config)?;
        config
            .check()
            .map_err(|err| super::usage_error(verb, err))?;
        Ok(config)
    }

    /// `err`, about the setting `name` of the resolved configuration, reported where the value
    /// came from: a usage error of `verb` when its flag is on the command line (or in a grid),
    /// else an error naming the --config file that set it.
    pub fn setting_error(
        &self,
        verb: &str,
        name: &str,
        err: impl std::fmt::Display,
    ) -> anyhow::Error {
        match &self.config {
            Some(path) if !self.settings.gives(name) => {
                anyhow::anyhow!("reading config {}: {err}", path.display())
            }
            _ => super::usage_error(verb, err),
        }
    }
}

/// The setting flags given on the command line, each with its value (`true` or `false` for a
/// switch), in the table's order.
#[derive(Debug, Clone, Default)]
pub struct SettingFlags {
    given: Vec<(&'static Setting, String)>,
}

impl SettingFlags {
    /// True when the flag of the setting `name` was given.
    pub fn gives(&self, name: &str) -> bool {
        self.given.iter().any(|(setting, _)| setting.name == name)
    }

    /// Applies the flags that were given to a configuration.
    ///
    /// # Errors
    /// None in practice: every value was checked when the command line was parsed.
    pub fn apply(&self, config: &mut TrainConfig) -> crate::Result<()> {
        self.given
            .iter()
            .try_for_each(|(setting, value)| setting.set(config, value))
    }
}

/// The flag of one setting: `--NAME VALUE` (its text and range checked by the setting's own
/// parser, or one of its choices), or a switch.
fn flag(setting: &'static Setting) -> Arg {
    let arg = Arg::new(setting.flag())
        .long(setting.flag())
        .help(setting.help)
        .help_heading(setting.group.heading());
    match setting.kind {
        Kind::Switch { .. } => arg.action(ArgAction::SetTrue),
        Kind::Value {
            placeholder,
            choices,
        } => {
            let arg = arg.action(ArgAction::Set).value_name(placeholder);
            if choices.is_empty() {
                arg.value_parser(move |text: &str| {
                    setting
                        .check_value(text)
                        .map(|()| text.to_string())
                        .map_err(|e| match e {
                            crate::Error::InvalidParam { name, reason, .. }
                                if name == setting.name =>
                            {
                                reason
                            }
                            other => other.to_string(),
                        })
                })
            } else {
                arg.value_parser(PossibleValuesParser::new(
                    choices
                        .iter()
                        .map(|(name, help)| PossibleValue::new(name).help(help)),
                ))
            }
        }
    }
}

/// A flag whose id or type differs from what [`flag`] declared (a bug, not a user error).
fn mismatch(err: clap::parser::MatchesError) -> clap::Error {
    clap::Error::raw(clap::error::ErrorKind::InvalidValue, err)
}

impl clap::FromArgMatches for SettingFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut given = Vec::new();
        for setting in &SETTINGS {
            let id = setting.flag();
            let value = match setting.kind {
                Kind::Switch { when_given, .. } => matches
                    .try_get_one::<bool>(id)
                    .map_err(mismatch)?
                    .is_some_and(|on| *on)
                    .then(|| when_given.to_string()),
                Kind::Value { .. } => matches
                    .try_get_one::<String>(id)
                    .map_err(mismatch)?
                    .cloned(),
            };
            if let Some(value) = value {
                given.push((setting, value));
            }
        }
        Ok(SettingFlags { given })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for SettingFlags {
    fn augment_args(cmd: Command) -> Command {
        SETTINGS
            .iter()
            .fold(cmd, |cmd, setting| cmd.arg(flag(setting)))
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

/// `--model FILE`, shared by the verbs that run a model.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {
    /// Model file [default: $STANCE_MODEL, else models/stance.model].
    #[arg(long, short, value_name = "FILE")]
    pub model: Option<PathBuf>,
}

impl ModelArgs {
    /// The model file: `--model`, else `$STANCE_MODEL`, else the shipped model.
    pub fn file(&self) -> ModelFile {
        ModelFile::resolve(self.model.as_deref(), "pass --model FILE")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command as Verb};
    use crate::cv::{expand, GridAxis};
    use clap::Parser;

    /// A value other than the default for every setting with a value.
    fn sample(setting: &Setting) -> &'static str {
        match setting.name {
            "epochs" => "7",
            "lr" => "0.25",
            "schedule" => "inverse",
            "l2" => "1e-6",
            "class-weight" => "none",
            "patience" => "2",
            "seed" => "7",
            "shards" => "3",
            "hash-bits" => "16",
            "word-ngrams" => "3",
            "char-ngrams" => "3-5",
            "lead-words" => "3",
            "cue-version" => "1",
            "min-df" => "1",
            "self-train-rounds" => "2",
            "self-train-threshold" => "0.8",
            "pseudo-weight" => "0.25",
            "pseudo-max-ratio" => "2",
            other => panic!("no sample value for {other}: add one"),
        }
    }

    /// The configurations of `stance train ARGS` and `stance cv ARGS`.
    fn parsed(args: &[&str]) -> [TrainConfig; 2] {
        ["train", "cv"].map(|verb| {
            let cli = Cli::try_parse_from(["stance", verb].iter().chain(args))
                .unwrap_or_else(|e| panic!("{verb} {args:?}: {e}"));
            match cli.command {
                Verb::Train(a) => a.config.resolve(verb).unwrap(),
                Verb::Cv(a) => a.config.resolve(verb).unwrap(),
                _ => unreachable!(),
            }
        })
    }

    #[test]
    fn every_setting_is_a_flag_and_a_grid_key_that_set_it_alike() {
        for setting in &SETTINGS {
            let (flag_args, grid_value) = match setting.kind {
                Kind::Switch { when_given, .. } => (
                    vec![format!("--{}", setting.flag())],
                    when_given.to_string(),
                ),
                Kind::Value { .. } => {
                    let value = sample(setting).to_string();
                    (vec![format!("--{}", setting.name), value.clone()], value)
                }
            };
            let args: Vec<&str> = flag_args.iter().map(String::as_str).collect();
            let [train, cv] = parsed(&args);
            assert_ne!(train, TrainConfig::default(), "{args:?} changes nothing");
            assert_eq!(train, cv, "{args:?}");
            let axis: GridAxis = format!("{}={grid_value}", setting.name).parse().unwrap();
            let points = expand(&TrainConfig::default(), &[axis]).unwrap();
            assert_eq!(points[0].1, train, "grid {}={grid_value}", setting.name);
        }
    }

    #[test]
    fn flags_override_the_config_file_and_bad_values_are_usage_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(&path, r#"{"model": {"epochs": 9, "l2": 0.001}}"#).unwrap();
        let path = path.to_str().unwrap();
        let [config, _] = parsed(&["--config", path, "--epochs", "4", "--no-cues"]);
        let model = linfa::ParamGuard::check_ref(&config.model).unwrap();
        assert_eq!(
            (model.epochs(), model.l2(), config.features.cues),
            (crate::model::Epochs::Fixed(4), 0.001, false)
        );
        for bad in [
            ["--epochs", "x"],
            ["--char-ngrams", "3"],
            ["--schedule", "cosine"],
            ["--lr", "0"],
            ["--hash-bits", "40"],
            ["--pseudo-weight", "1.5"],
        ] {
            let err = Cli::try_parse_from(["stance", "train", bad[0], bad[1]]).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}: {err}");
        }
    }
}
