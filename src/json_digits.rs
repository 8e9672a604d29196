//! JSON numbers with the digits their values have. The model computes in `f32`, and an `f32`
//! that reaches serde_json as a [`Value`] (through `json!` or `to_value`) is widened to `f64`
//! and written with all of that type's digits: `0.9994490742683411` for the probability
//! `0.9994491`, `0.8999999761581421` for the option `--e5-below 0.9`. [`shorten`] rewrites
//! each such number as the `f64` nearest to the `f32`'s shortest decimal, which reads back as
//! the same `f32`. Hand-written: serde_json keeps no record that a number was an `f32`, and
//! its `arbitrary_precision` feature, which would, changes how every number is parsed.

use serde::Serialize;
use serde_json::Value;

/// Rewrites every number in `value` that is exactly an `f32` (an `f32` widened, or a value as
/// round as one) with that `f32`'s shortest decimal digits; integers and other `f64` values,
/// computed in `f64` with digits of their own, stay as they are.
pub fn shorten(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(short) = n.as_f64().and_then(shortest_f32_digits) {
                *value = Value::from(short);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(shorten),
        Value::Object(fields) => fields.values_mut().for_each(shorten),
        _ => {}
    }
}

/// `x` as the `f64` nearest to its shortest decimal as an `f32`, when `x` is exactly an `f32`.
fn shortest_f32_digits(x: f64) -> Option<f64> {
    // `as` rounds to the nearest f32; equality after widening means no digit was lost.
    let narrow = x as f32;
    if !narrow.is_finite() || f64::from(narrow) != x {
        return None;
    }
    // `Display` writes the shortest decimal that reads back as the same `f32`.
    narrow.to_string().parse().ok()
}

/// `value` as indented JSON, its `f32` numbers shortened ([`shorten`]).
///
/// # Errors
/// A value serde_json cannot represent (a map whose keys are not strings).
pub fn to_pretty<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut value = serde_json::to_value(value)?;
    shorten(&mut value);
    serde_json::to_string_pretty(&value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn an_f32_in_a_value_is_written_with_its_own_digits() {
        let probability = 0.999_449_1_f32;
        let mut value =
            json!({"confidence": probability, "below": 0.9f32, "tiny": 5.114_232e-5_f32});
        assert_eq!(
            value.to_string(),
            r#"{"confidence":0.9994490742683411,"below":0.8999999761581421,"tiny":0.00005114232044434175}"#,
            "serde_json widens an f32 with every digit of an f64"
        );
        shorten(&mut value);
        assert_eq!(
            value.to_string(),
            r#"{"confidence":0.9994491,"below":0.9,"tiny":0.00005114232}"#
        );
    }

    #[test]
    fn integers_and_values_computed_in_f64_keep_their_digits() {
        let macro_f1 = 0.947_177_002_010_255_8_f64;
        let mut value =
            json!({"rows": 1123, "macro_f1": macro_f1, "half": 0.5, "nested": [[-2.0f32]]});
        shorten(&mut value);
        assert_eq!(
            value.to_string(),
            r#"{"rows":1123,"macro_f1":0.9471770020102558,"half":0.5,"nested":[[-2.0]]}"#
        );
    }

    #[test]
    fn to_pretty_shortens_what_it_writes() {
        #[derive(Serialize)]
        struct Row {
            weight: f32,
        }
        assert_eq!(
            to_pretty(&Row { weight: 0.1 }).unwrap(),
            "{\n  \"weight\": 0.1\n}"
        );
    }

    proptest! {
        #[test]
        fn a_shortened_number_reads_back_as_the_same_f32(bits in any::<u32>()) {
            let x = f32::from_bits(bits);
            prop_assume!(x.is_finite());
            let mut value = json!(x);
            shorten(&mut value);
            let back: f64 = serde_json::from_str(&value.to_string()).unwrap();
            prop_assert_eq!(back as f32, x);
        }
    }
}
