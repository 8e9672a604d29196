"""stance.train is `stance train`: the same data and settings give the same model."""

from __future__ import annotations

import json

import numpy as np
import pytest

import stance
from conftest import REPO, run_cli

TRAIN = REPO / "datasets" / "train.tsv"
DEV = REPO / "datasets" / "dev.tsv"


@pytest.fixture(scope="module")
def written():
    return stance.read(TRAIN, labels_required=True), stance.read(DEV, labels_required=True)


def test_same_data_and_settings_give_the_cli_model(cli, written, pool, tmp_path):
    train, dev = written
    config = {"model": {"epochs": 4, "seed": 5}, "features": {"hash_bits": 16}}
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    cli_model = tmp_path / "cli.model"
    run_cli(
        cli, "--quiet", "train", str(TRAIN), "--dev", str(DEV), "--config", str(config_file),
        "--out", str(cli_model),
    )
    out = tmp_path / "py.model"
    ours = stance.train(
        train["text"], train["label"], dev=(dev["text"], dev["label"]), config=config, out=out
    )
    theirs = stance.Model.load(cli_model)
    texts = [t for _, t in pool[:2000]]
    np.testing.assert_array_equal(ours.predict_proba(texts), theirs.predict_proba(texts))
    assert ours.calibrated and theirs.calibrated
    # The file written is a model file like any other, read back by the CLI.
    again = stance.Model.load(out)
    assert again.predict(texts[:50]) == ours.predict(texts[:50])
    shown = json.loads(run_cli(cli, "inspect", "--json", str(out)).stdout)
    assert shown["provenance"]["config"] == ours.info()["provenance"]["config"]
    assert [d["role"] for d in shown["provenance"]["data"]] == ["train", "dev"]
    assert shown["provenance"]["config"]["model"]["epochs"] == 4

    # A configuration file works as the dict does.
    from_file = stance.train(
        train["text"], train["label"], dev=(dev["text"], dev["label"]), config=config_file
    )
    np.testing.assert_array_equal(from_file.predict_proba(texts), theirs.predict_proba(texts))


def test_calibration_can_be_switched_off(written):
    train, dev = written
    config = {"model": {"epochs": 2}, "features": {"hash_bits": 14}}
    raw = stance.train(
        train["text"], train["label"], dev=(dev["text"], dev["label"]), config=config,
        calibrate=False,
    )
    assert not raw.calibrated
    alone = stance.train(train["text"][:300], train["label"][:300], config=config)
    assert not alone.calibrated
    calibrated = stance.train(
        train["text"][:300], train["label"][:300], config=config,
        calibrate_on=(dev["text"], dev["label"]),
    )
    assert calibrated.calibrated


def test_training_errors_name_the_row_and_the_setting(written, tmp_path):
    train, _ = written
    labels = list(train["label"][:20])
    labels[17] = "denail"
    with pytest.raises(stance.ParseError, match=r'^<train>:18: unknown label "denail"') as e:
        stance.train(train["text"][:20], labels)
    assert e.value.line == 18 and e.value.path == "<train>"
    with pytest.raises(stance.ParseError, match=r"<config>:1: invalid configuration: unknown field `epoch`"):
        stance.train(train["text"][:20], train["label"][:20], config={"model": {"epoch": 3}})
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "model": {"epoch": 3}\n}\n')
    with pytest.raises(stance.ParseError, match=rf"^{bad}:2: invalid configuration") as e:
        stance.train(train["text"][:20], train["label"][:20], config=bad)
    assert e.value.path == str(bad) and e.value.line == 2
    with pytest.raises(stance.StanceError, match="invalid setting"):
        stance.train(train["text"][:20], train["label"][:20], config={"model": {"epochs": 0}})
    with pytest.raises(ValueError, match="20 texts but 19 labels"):
        stance.train(train["text"][:20], train["label"][:19])
