//! `stance inspect` of a fine-tuned e5 model file (feature `e5`): what it was fine-tuned
//! from, its settings, mixing weight and training data.

use super::inspect::{write_data, InspectArgs};
use crate::e5::{E5Model, E5_FORMAT_VERSION};
use crate::io::FileKind;
use anyhow::Context;
use std::io::{Read, Write};
use std::path::Path;

/// True when the file at `path` starts with the e5 model file's magic bytes.
pub fn is_e5_model(path: &Path) -> bool {
    let mut head = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut head))
        .is_ok_and(|()| FileKind::sniff(&head) == Some(FileKind::E5Model))
}

/// Writes what the e5 model at `path` holds besides its weights: as text, as JSON (`--json`),
/// or only its fine-tuning settings (`--config`).
///
/// # Errors
/// An unreadable or damaged model file, or a failed write.
pub fn run(path: &Path, args: &InspectArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    if args.top.is_some() {
        return Err(super::usage_error(
            "inspect",
            format!(
                "--top lists a linear model's strongest features; {} is a fine-tuned e5 model, \
                 which has no features to list",
                path.display()
            ),
        ));
    }
    let model =
        E5Model::load(path).with_context(|| format!("loading e5 model {}", path.display()))?;
    let p = &model.provenance;
    if args.config {
        writeln!(stdout, "{}", serde_json::to_string_pretty(&p.settings)?)?;
        return Ok(());
    }
    if args.json {
        let mut value = serde_json::json!({
            "model": path.display().to_string(),
            "kind": "e5",
            "format_version": E5_FORMAT_VERSION,
            "pretrained": model.pretrained,
            "prefix": model.prefix,
            "mix_weight": crate::json_digits::f32_value(model.mix_weight),
            "upper_layers": model.fine_tuned.upper_layers(),
            "max_len": model.fine_tuned.max_len(),
            "provenance": p,
        });
        // The one f32 among the f64 settings, with its own digits (crate::json_digits).
        value["provenance"]["settings"]["dropout"] =
            crate::json_digits::f32_value(p.settings.dropout);
        writeln!(stdout, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    writeln!(stdout, "model        {} (fine-tuned e5)", path.display())?;
    writeln!(
        stdout,
        "format       e5 version {E5_FORMAT_VERSION}, written by stance {}",
        p.crate_version
    )?;
    writeln!(stdout, "created      {}", p.created)?;
    let pre = &model.pretrained;
    writeln!(
        stdout,
        "pretrained   {} ({} bytes) sha256 {}",
        pre.path, pre.bytes, pre.sha256
    )?;
    let s = &p.settings;
    writeln!(
        stdout,
        "fine-tuning  top {} layers; epochs {} of a {}-epoch schedule; lr {} warm-up {} decay {}; batch {}; max-len {}; dropout {}; seed {}; prefix {:?}",
        s.upper_layers, s.stop_after, s.epochs, s.learning_rate, s.warmup_share, s.weight_decay,
        s.batch_size, s.max_len, s.dropout, s.seed, model.prefix.as_str()
    )?;
    writeln!(
        stdout,
        "averaging    (1 - {w}) x linear + {w} x e5",
        w = model.mix_weight
    )?;
    write_data(stdout, &p.data, &p.label_counts)?;
    Ok(())
}
