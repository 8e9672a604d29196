//! Integration tests of the `stance` binary: each test runs the built command in its own
//! temporary directory holding copies of `tests/fixtures/`, and shows the command, stdout and
//! stderr when it fails. Golden outputs live in `tests/golden/`; refresh them with
//! `STANCE_BLESS=1 cargo test --test cli` and review the diff.

mod article;
mod bad_input;
mod calibration;
mod degenerate;
mod eval;
mod help;
mod inspect;
mod model_file;
mod outputs;
mod predict;
mod predict_rows;
mod real;
mod settings;
mod stdout;
mod train;
mod workdir;
