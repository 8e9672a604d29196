//! The evaluation report as one self-contained HTML page (`stance eval --html`): inline CSS and
//! SVG, no script, no network, right-to-left for the Arabic text.

pub mod page;
pub mod svg;

pub use page::{render, EvalPage, GroupScores, Highlight, PageError};
