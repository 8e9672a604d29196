//! Fine-tuning e5 for stance, as `bench/e5_finetune_probe.py`: the top layers of the
//! pretrained encoder and a linear head on the mean-pooled final states are trained on
//! labelled sentences; the lower layers stay frozen.
//!
//! ```text
//! settings, defaults and checks                  (settings.rs)
//! batches, learning-rate schedule, class weights (schedule.rs)
//! cache lower states -> train upper + head       (train.rs)
//! trained weights -> probabilities from text     (fitted.rs)
//! matrices as 8-bit integers in the model file   (int8.rs)
//! ```

mod fitted;
mod int8;
mod schedule;
mod settings;
mod train;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod torch_check;

pub use fitted::{E5Predictor, FineTunedE5};
pub use settings::{E5Epoch, E5Progress, FineTuneSettings};
pub use train::fine_tune;
