//! The model's `f32` numbers in JSON with the digits they have. An `f32` that reaches
//! serde_json as a [`Value`] (through `json!` or `to_value`) is widened to `f64` and written
//! with all of that type's digits: `0.9994490742683411` for the probability `0.9994491`,
//! `0.8999999761581421` for the option `--e5-below 0.9`. (Serialised straight from a struct
//! field it is written short already.) These put in the `f64` nearest to the `f32`'s shortest
//! decimal, which reads back as the same `f32`. Chosen by type, where the value is built: a
//! `Value` keeps no record that a number was an `f32`, and an `f64` figure may be exactly an
//! `f32` by chance (511/512) without being one.

use serde_json::Value;

/// `x` as a JSON number with its shortest decimal (`null` if it is not finite, as serde_json
/// writes any non-finite float).
pub fn f32_value(x: f32) -> Value {
    let mut digits = ryu::Buffer::new();
    // ryu writes the shortest decimal that reads back as the same f32.
    let shortest = x.is_finite().then(|| digits.format_finite(x));
    shortest
        .and_then(|s| s.parse::<f64>().ok())
        .map_or(Value::Null, Value::from)
}

/// Rewrites every float in `value` as [`f32_value`] does. Only for a value built from `f32`s
/// alone (such as a list of [`crate::pipeline::ShownContribution`]): an `f64` in it would be
/// cut to an `f32`'s digits.
pub fn shorten_f32s(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(x) = n.as_f64() {
                *value = f32_value(x as f32);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(shorten_f32s),
        Value::Object(fields) => fields.values_mut().for_each(shorten_f32s),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn an_f32_is_written_with_its_own_digits() {
        let (probability, below, tiny) = (0.999_449_1_f32, 0.9f32, 5.114_232e-5_f32);
        assert_eq!(
            json!([probability, below, tiny]).to_string(),
            "[0.9994490742683411,0.8999999761581421,0.00005114232044434175]",
            "serde_json widens an f32 in a Value with every digit of an f64"
        );
        let short: Vec<Value> = [probability, below, tiny].map(f32_value).into();
        assert_eq!(
            Value::from(short).to_string(),
            "[0.9994491,0.9,0.00005114232]"
        );
        assert_eq!(f32_value(f32::NAN), Value::Null);
        assert_eq!(f32_value(-2.0), json!(-2.0));
    }

    #[test]
    fn shorten_f32s_rewrites_the_floats_of_a_tree_and_leaves_the_rest() {
        let mut because =
            json!([{"feature": "any:denial", "weight": 2.255_943_5_f32, "start": 16}]);
        shorten_f32s(&mut because);
        assert_eq!(
            because.to_string(),
            r#"[{"feature":"any:denial","weight":2.2559435,"start":16}]"#
        );
    }

    proptest! {
        #[test]
        fn a_short_number_reads_back_as_the_same_f32(bits in any::<u32>()) {
            let x = f32::from_bits(bits);
            prop_assume!(x.is_finite());
            let back: f64 = serde_json::from_str(&f32_value(x).to_string()).unwrap();
            prop_assert_eq!(back as f32, x);
        }
    }
}
