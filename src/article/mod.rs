//! Article mode: a whole news article -> sentences (rule 8 pieces skipped) -> a label, its
//! probabilities and the deciding words for each sentence, with offsets into the article.

pub mod html;
pub mod markup;
pub mod segment;

use crate::error::Result;
use crate::pipeline::{Pipeline, Prediction, ShownContribution};
use crate::text::classes::has_arabic_letter;
use segment::{segment, Skip};
use serde::Serialize;

/// A feature that pushed a sentence toward its label, located in the article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// The feature as people read it.
    pub feature: String,
    /// Its contribution (weight x value, relative to the other labels).
    pub weight: f32,
    /// Byte span in the article of the words it came from.
    pub start: usize,
    /// End of that span (exclusive).
    pub end: usize,
}

/// One labelled sentence of an article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleSentence {
    /// Byte offset of the sentence in the article.
    pub start: usize,
    /// Byte offset one past its end.
    pub end: usize,
    /// The prediction.
    pub prediction: Prediction,
    /// The deciding features, strongest first.
    pub reasons: Vec<Reason>,
}

/// A piece of the article that was not labelled, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// Byte offset of the piece.
    pub start: usize,
    /// Byte offset one past its end.
    pub end: usize,
    /// Why (rule 8).
    pub reason: Skip,
}

/// An analysed article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleReport {
    /// A name for the article (its file, or its record id).
    pub name: String,
    /// The article's text: as given, or the visible text of an article given as HTML (all
    /// offsets refer to this text).
    pub text: String,
    /// Whether the article was given as HTML and reduced to its visible text.
    pub from_html: bool,
    /// Its sentences, in order.
    pub sentences: Vec<ArticleSentence>,
    /// The pieces left out.
    pub skipped: Vec<Skipped>,
}

impl ArticleReport {
    /// Splits `text` into sentences and labels each with `pipeline`, keeping up to
    /// `explain_top` deciding features per sentence. Text that is HTML
    /// ([`markup::looks_like_html`]) is first reduced to its visible text, one block per line.
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline fails.
    pub fn analyze(
        pipeline: &Pipeline,
        name: String,
        text: String,
        explain_top: usize,
    ) -> Result<ArticleReport> {
        ArticleReport::analyze_by(pipeline, name, text, explain_top, |sentences| {
            sentences.iter().map(|s| pipeline.predict(s)).collect()
        })
    }

    /// [`ArticleReport::analyze`] with the sentences' predictions made by `predict` (all the
    /// article's sentences at once, in order; another model than `pipeline`, or one beside
    /// it); the deciding features are `pipeline`'s for the label `predict` gives.
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline fails; any error of `predict`.
    pub fn analyze_by(
        pipeline: &Pipeline,
        name: String,
        text: String,
        explain_top: usize,
        predict: impl FnOnce(&[&str]) -> Result<Vec<Prediction>>,
    ) -> Result<ArticleReport> {
        let from_html = markup::looks_like_html(&text);
        let text = if from_html {
            markup::visible_text(&text)
        } else {
            text
        };
        let mut pieces = Vec::new();
        let mut skipped = Vec::new();
        for piece in segment(&text) {
            match piece.skip {
                Some(reason) => skipped.push(Skipped {
                    start: piece.start,
                    end: piece.end,
                    reason,
                }),
                None => pieces.push(piece),
            }
        }
        let texts: Vec<&str> = pieces.iter().map(|piece| piece.text(&text)).collect();
        let predictions = predict(&texts)?;
        let mut sentences = Vec::with_capacity(pieces.len());
        for ((piece, sentence), prediction) in pieces.iter().zip(&texts).zip(predictions) {
            let reasons = pipeline
                .explain(sentence, prediction.label, explain_top)?
                .into_iter()
                .map(|c| Reason {
                    feature: c.feature,
                    weight: c.weight,
                    start: piece.start + c.start,
                    end: piece.start + c.end,
                })
                .collect();
            sentences.push(ArticleSentence {
                start: piece.start,
                end: piece.end,
                prediction,
                reasons,
            });
        }
        Ok(ArticleReport {
            name,
            text,
            from_html,
            sentences,
            skipped,
        })
    }

    /// The text of a byte span of the article.
    pub fn slice(&self, start: usize, end: usize) -> &str {
        &self.text[start..end]
    }

    /// One JSON object per sentence, as `stance article --output jsonl` prints them: the
    /// article's name, the sentence's 1-based number, character offsets into the article,
    /// the text, the label shown (`uncertain` below `min_confidence`, with `best_label`), the
    /// confidence, every label's probability and the deciding words (`because`); a sentence
    /// with no Arabic letter, whose label means nothing, also has `"no_arabic": true`. Numbers
    /// have their `f32` digits ([`crate::json_digits`]).
    pub fn json_lines(&self, min_confidence: Option<f32>) -> Vec<serde_json::Value> {
        use serde_json::json;
        self.sentences
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let probabilities: serde_json::Map<String, serde_json::Value> = s
                    .prediction
                    .probabilities
                    .iter()
                    .map(|(l, p)| (l.to_string(), json!(p)))
                    .collect();
                let reasons: Vec<ShownContribution> = s
                    .reasons
                    .iter()
                    .map(|r| ShownContribution {
                        feature: r.feature.clone(),
                        weight: r.weight,
                        start: self.char_offset(r.start),
                        end: self.char_offset(r.end),
                        text: self.slice(r.start, r.end).to_string(),
                    })
                    .collect();
                let shown = s.prediction.shown_label(min_confidence);
                let mut line = json!({
                    "article": self.name,
                    "sentence": i + 1,
                    "start": self.char_offset(s.start),
                    "end": self.char_offset(s.end),
                    "text": self.slice(s.start, s.end),
                    "label": shown,
                    "confidence": s.prediction.confidence(),
                    "probabilities": probabilities,
                    "because": reasons,
                });
                if shown != s.prediction.label.as_str() {
                    line["best_label"] = json!(s.prediction.label);
                }
                if !has_arabic_letter(self.slice(s.start, s.end)) {
                    // labelled like any sentence, but flagged as `predict` flags it
                    line["no_arabic"] = json!(true);
                }
                // every float of the line is one of the model's f32s
                crate::json_digits::shorten_f32s(&mut line);
                line
            })
            .collect()
    }

    /// Converts a byte offset of the article into a character (code point) offset, as
    /// Python strings index ([`crate::text::char_offset`]).
    pub fn char_offset(&self, byte: usize) -> usize {
        crate::text::char_offset(&self.text, byte)
    }
}
