//! The settings of e5 fine-tuning and what is reported after each epoch. The defaults are the
//! recipe of `bench/e5_finetune_probe.py` that the real dev split chose and cross-validation
//! confirmed, with six trained layers instead of two since cross-validation preferred first
//! four, then six (bench/ABLATION.md, "Four trained layers" and "Six trained layers").

use crate::error::{Error, Result};

/// How [`fine_tune`](super::fine_tune) trains.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FineTuneSettings {
    /// How many of the encoder's top layers are trained (the others are frozen and run once
    /// over every sentence); default 6.
    pub upper_layers: usize,
    /// The epochs the learning-rate schedule spans; default 4.
    pub epochs: usize,
    /// Training stops after this many epochs (at most `epochs`), the schedule unchanged;
    /// default 2, the epoch the real dev split chose.
    pub stop_after: usize,
    /// AdamW's peak learning rate; default 5e-5.
    pub learning_rate: f64,
    /// Sentences per optimiser step; default 32.
    pub batch_size: usize,
    /// Tokens a sentence is cut to, `<s>` and `</s>` included; default 96.
    pub max_len: usize,
    /// The dropout rate on attention weights, attention and feed-forward outputs and before
    /// the head, in `[0, 1)`; default 0.1.
    pub dropout: f32,
    /// AdamW's decoupled weight decay; default 0.01.
    pub weight_decay: f64,
    /// The share of the schedule's steps spent warming the learning rate up linearly from 0,
    /// in `[0, 1]`; it then decays linearly to 0; default 0.06.
    pub warmup_share: f64,
    /// The seed of the one random stream (head initialisation, batch order, dropout);
    /// default 13, as the probe's.
    pub seed: u64,
}

impl Default for FineTuneSettings {
    fn default() -> FineTuneSettings {
        FineTuneSettings {
            upper_layers: 6,
            epochs: 4,
            stop_after: 2,
            learning_rate: 5e-5,
            batch_size: 32,
            max_len: 96,
            dropout: 0.1,
            weight_decay: 0.01,
            warmup_share: 0.06,
            seed: 13,
        }
    }
}

impl FineTuneSettings {
    /// Checks the settings that have a range (the layer count is checked against the model).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] naming the first setting out of its range.
    pub fn check(&self) -> Result<()> {
        let invalid = |name: &'static str, value: String, reason: &str| {
            Err(Error::InvalidParam {
                name,
                value,
                reason: reason.into(),
            })
        };
        if self.epochs == 0 {
            return invalid("epochs", "0".into(), "at least 1");
        }
        if self.stop_after == 0 || self.stop_after > self.epochs {
            return invalid(
                "stop-after",
                self.stop_after.to_string(),
                "1 to the epochs the schedule spans",
            );
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return invalid(
                "learning-rate",
                self.learning_rate.to_string(),
                "a positive number",
            );
        }
        if self.batch_size == 0 {
            return invalid("batch-size", "0".into(), "at least 1");
        }
        if self.max_len < 2 {
            return invalid(
                "max-len",
                self.max_len.to_string(),
                "at least 2 (<s> and </s>)",
            );
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return invalid("dropout", self.dropout.to_string(), "in [0, 1)");
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return invalid("weight-decay", self.weight_decay.to_string(), "0 or more");
        }
        if !(0.0..=1.0).contains(&self.warmup_share) {
            return invalid("warmup-share", self.warmup_share.to_string(), "in [0, 1]");
        }
        Ok(())
    }
}

/// What [`fine_tune`](super::fine_tune) reports after each epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct E5Epoch {
    /// The epoch just finished, from 1.
    pub epoch: usize,
    /// The epochs that will be trained (the settings' `stop_after`).
    pub epochs: usize,
    /// The mean training loss over the epoch's batches (with dropout).
    pub loss: f64,
    /// Sentences trained on in the epoch.
    pub sentences: usize,
    /// Seconds the epoch took.
    pub seconds: f64,
}

/// How far [`fine_tune`](super::fine_tune) is, as it goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum E5Progress<'a> {
    /// `done` of the `total` sentences have run through the frozen layers.
    Caching {
        /// Sentences done.
        done: usize,
        /// Sentences in all.
        total: usize,
    },
    /// An optimiser step is done: `step` of the `steps` that will be trained, from 1.
    Step {
        /// Steps done.
        step: usize,
        /// Steps in all.
        steps: usize,
    },
    /// An epoch is done.
    Epoch(&'a E5Epoch),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_and_out_of_range_settings_are_named() {
        assert!(FineTuneSettings::default().check().is_ok());
        let bad = [
            FineTuneSettings {
                stop_after: 5,
                ..FineTuneSettings::default()
            },
            FineTuneSettings {
                dropout: 1.0,
                ..FineTuneSettings::default()
            },
            FineTuneSettings {
                learning_rate: f64::NAN,
                ..FineTuneSettings::default()
            },
        ];
        let names: Vec<&str> = bad
            .iter()
            .map(|s| match s.check() {
                Err(Error::InvalidParam { name, .. }) => name,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(names, ["stop-after", "dropout", "learning-rate"]);
    }
}
