//! Probabilities people can trust: temperature scaling fitted on held-out rows
//! ([`temperature`]), the measures that say whether confidences match accuracy
//! ([`reliability`]), and abstention below a confidence threshold ([`coverage`]).

pub mod coverage;
pub mod reliability;
pub mod temperature;

pub use coverage::{Abstention, CoveragePoint, RiskCoverage};
pub use reliability::{BandPrecision, Reliability, ReliabilityBin};
pub use temperature::{fit_temperature, Calibration};
