"""Operator tooling for the Detoxify model directory.

A prepared model directory holds::

    MODEL_DIR/checkpoint.ckpt   Detoxify checkpoint; config.arch.args.model_type = MODEL_DIR/hf
    MODEL_DIR/hf/               Hugging Face config.json and tokenizer files (no weights)

Prepare it once on a machine with internet access, then copy it (re-run ``prepare`` if the
directory moves: the checkpoint records the absolute path of ``hf/``)::

    # all seven labels (roberta-base):
    curl -LO https://github.com/unitaryai/detoxify/releases/download/v0.3-alpha/toxic_debiased-c7548aa0.ckpt
    hf download roberta-base config.json vocab.json merges.txt tokenizer.json \\
        tokenizer_config.json --local-dir roberta-base
    python -m moderation.detoxify_model prepare --checkpoint toxic_debiased-c7548aa0.ckpt \\
        --hf-dir roberta-base --target var/models/detoxify

    # or the "original" model (bert-base-uncased; no sexual_explicit label):
    #   .../v0.1-alpha/toxic_original-c1212f89.ckpt with bert-base-uncased config and vocab.txt

    python -m moderation.detoxify_model validate var/models/detoxify

``build-tiny`` writes a tiny random BERT in the same format for tests, demos and benchmarks.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from moderation.labels import DETOXIFY_LABELS
from moderation.scoring import DetoxifyScorer, ScorerError

CHECKPOINT_FILE = "checkpoint.ckpt"
HF_SUBDIR = "hf"
VALIDATION_TEXT = "Thank you for the referral; the survivor is safe and settled in her new home."
# Detoxify's original class names; Detoxify renames them to the moderation LABELS on load.
DETOXIFY_CLASS_NAMES: Mapping[str, str] = {
    "toxic": "toxicity",
    "severe_toxic": "severe_toxicity",
    "obscene": "obscene",
    "threat": "threat",
    "insult": "insult",
    "identity_hate": "identity_attack",
    "sexual_explicit": "sexual_explicit",
}
# Logit biases of the tiny model's classifier, per label. Distinct values let tests check
# that each output column reaches the right label; negative values keep an untrained model's
# scores low (sigmoid(-3) ≈ 0.05) like a trained one on ordinary text, whereas a model that
# silently fell back to random weights scores about 0.5 everywhere.
TINY_CLASSIFIER_BIAS: Mapping[str, float] = {
    "toxicity": -2.0,
    "severe_toxicity": -4.0,
    "obscene": -3.0,
    "threat": -3.5,
    "insult": -2.5,
    "identity_attack": -4.5,
    "sexual_explicit": -5.0,
}
_SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
_COMMON_WORDS_TEXT = """
the of and to a in is it you that he was for on are with as i his they be at one have this
from or had by not word but what some we can out other were all there when up use your how
said an each she which do their time if will way about many then them write would like so
these her long make thing see him two has look more day could go come did number sound no
most people my over know water than call first who may down side been now find any new work
part take get place made live where after back little only round man year came show every
good me give our under name very through just form sentence great think say help low line
differ turn cause much mean before move right boy old too same tell does set three want air
well also play small end put home read hand port large spell add even land here must big
high such follow act why ask men change went light kind off need house picture try us again
animal point mother world near build self earth father head stand own page should country
found answer school grow study still learn plant cover food sun four between state keep eye
never last let thought city tree cross farm hard start might story saw far sea draw left late
run while press close night real life few north support survivor client case safe
police court housing trauma forced labour exploitation trafficking victim threat abuse
referral worker staff service health medical education family child children woman women
"""
_CHARACTERS = list("abcdefghijklmnopqrstuvwxyz0123456789.,;:!?'\"()-/£$%&*@#")
_HF_WEIGHT_SUFFIXES = (".bin", ".safetensors", ".h5", ".msgpack", ".onnx", ".ckpt", ".pt")
_HF_FILE_SUFFIXES = (".json", ".txt", ".model")


def model_paths(model_dir: Path) -> tuple[Path, Path]:
    """Return the checkpoint file and the Hugging Face dir of a prepared model directory.

    Args:
        model_dir: The model directory.

    Returns:
        ``(model_dir / "checkpoint.ckpt", model_dir / "hf")``.
    """
    model_dir = Path(model_dir)
    return model_dir / CHECKPOINT_FILE, model_dir / HF_SUBDIR


def build_tiny_checkpoint(target_dir: Path, *, seed: int = 0) -> tuple[Path, Path]:
    """Write a tiny random BERT in the Detoxify checkpoint format, offline, in about a second.

    The model (2 layers, hidden size 32, 2 heads, intermediate size 37, a few hundred
    WordPiece tokens) goes through Detoxify's real loading and predict path; its scores mean
    nothing beyond the per-label offsets in `TINY_CLASSIFIER_BIAS`.

    Args:
        target_dir: Model directory to create or overwrite (layout of `model_paths`).
        seed: Seed of the weight initialisation; the same seed gives the same weights.

    Returns:
        ``(checkpoint_path, config_dir)``.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    checkpoint_path, config_dir = model_paths(target_dir)
    config_dir.mkdir(parents=True, exist_ok=True)
    vocab = _tiny_vocabulary()
    (config_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    class_names = list(DETOXIFY_CLASS_NAMES)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=512,
        architectures=["BertForSequenceClassification"],
        problem_type="multi_label_classification",
        id2label={i: DETOXIFY_CLASS_NAMES[name] for i, name in enumerate(class_names)},
        label2id={DETOXIFY_CLASS_NAMES[name]: i for i, name in enumerate(class_names)},
    )
    config.save_pretrained(config_dir)
    _write_json(
        config_dir / "tokenizer_config.json",
        {
            "tokenizer_class": "BertTokenizer",
            "do_lower_case": True,
            "model_max_length": 512,
            "unk_token": "[UNK]",
            "sep_token": "[SEP]",
            "pad_token": "[PAD]",
            "cls_token": "[CLS]",
            "mask_token": "[MASK]",
        },
    )
    # fork_rng keeps the caller's global RNG state untouched.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.bias.copy_(
            torch.tensor([TINY_CLASSIFIER_BIAS[DETOXIFY_CLASS_NAMES[n]] for n in class_names])
        )
    checkpoint = {
        "config": {
            "arch": {
                "args": {
                    "model_type": str(config_dir.resolve()),
                    "model_name": "BertForSequenceClassification",
                    "tokenizer_name": "BertTokenizer",
                    "num_classes": len(class_names),
                }
            },
            "dataset": {"args": {"classes": class_names}},
        },
        "state_dict": model.state_dict(),
    }
    _save_atomically(checkpoint, checkpoint_path)
    return checkpoint_path, config_dir


PREPARE_STEPS = 4


def prepare_model_dir(
    checkpoint: Path,
    hf_dir: Path,
    target_dir: Path,
    *,
    trust_pickle: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Turn a downloaded Detoxify checkpoint and Hugging Face dir into an offline model dir.

    Writes ``target_dir/checkpoint.ckpt`` (only ``config`` and ``state_dict``, with
    ``model_type`` pointing at ``target_dir/hf``) and copies config and tokenizer files
    (never weights) to ``target_dir/hf``, setting the label count and names in its
    config.json. Then loads the result with `DetoxifyScorer.from_local` and scores one
    sentence.

    Args:
        checkpoint: The downloaded ``.ckpt`` file.
        hf_dir: The downloaded Hugging Face model dir (config.json and tokenizer files).
        target_dir: The model directory to write.
        trust_pickle: Allow a downloaded checkpoint that needs full unpickling (arbitrary
            code); the prepared checkpoint is always plain data.
        progress: Called with a short description after each of the `PREPARE_STEPS` steps
            (the command line draws a progress bar with it).

    Returns:
        Path of the prepared checkpoint.

    Raises:
        ScorerError: If the inputs are incomplete or the prepared model fails validation.
    """
    checkpoint, hf_dir, target_dir = Path(checkpoint), Path(hf_dir), Path(target_dir)
    if not (hf_dir / "config.json").is_file():
        raise ScorerError(f"no config.json in {hf_dir}")
    step = progress or (lambda _description: None)
    loaded = _load_downloaded(checkpoint, trust_pickle=trust_pickle)
    step("read the downloaded checkpoint")
    checkpoint_out, config_out = model_paths(target_dir)
    config_out.mkdir(parents=True, exist_ok=True)

    copied = []
    for source in sorted(hf_dir.iterdir()):
        if (
            source.is_file()
            and source.suffix in _HF_FILE_SUFFIXES
            and not source.name.endswith(_HF_WEIGHT_SUFFIXES)
        ):
            if source.resolve() != (config_out / source.name).resolve():
                shutil.copyfile(source, config_out / source.name)
            copied.append(source.name)
    has_tokenizer = any(
        name in {"vocab.txt", "vocab.json", "tokenizer.json"} or name.endswith(".model")
        for name in copied
    )
    if not has_tokenizer:
        raise ScorerError(f"no tokenizer files (vocab.txt, vocab.json, tokenizer.json) in {hf_dir}")

    # Detoxify builds the model from this config.json, not from num_classes: without the
    # label count the classifier would get the default 2 outputs.
    labels = [DETOXIFY_CLASS_NAMES.get(name, name) for name in _classes(loaded, checkpoint)]
    config_json = json.loads((config_out / "config.json").read_text(encoding="utf-8"))
    config_json.pop("num_labels", None)
    config_json["id2label"] = {str(i): label for i, label in enumerate(labels)}
    config_json["label2id"] = {label: i for i, label in enumerate(labels)}
    _write_json(config_out / "config.json", config_json)
    step("copied config and tokenizer")

    prepared_config = copy.deepcopy(loaded["config"])
    prepared_config["arch"]["args"]["model_type"] = str(config_out.resolve())
    _save_atomically(
        {"config": prepared_config, "state_dict": dict(loaded["state_dict"])}, checkpoint_out
    )
    del loaded
    step("wrote the offline checkpoint")
    scorer = DetoxifyScorer.from_local(checkpoint_out, config_out)
    scorer.score([VALIDATION_TEXT])
    step("loaded and scored a sentence")
    return checkpoint_out


def validate_model_dir(target_dir: Path) -> dict[str, object]:
    """Load a prepared model directory, score one sentence and report.

    Args:
        target_dir: The model directory.

    Returns:
        ``checkpoint``, ``labels`` (predicted moderation labels), ``state_dict_keys``
        (verified), ``load_seconds``, ``predict_seconds`` and ``scores`` of the sentence.

    Raises:
        ScorerError: If the model does not load, does not match, or cannot predict.
    """
    checkpoint, config_dir = model_paths(target_dir)
    started = time.perf_counter()
    scorer = DetoxifyScorer.from_local(checkpoint, config_dir)
    loaded = time.perf_counter()
    (scores,) = scorer.score([VALIDATION_TEXT])
    predicted = time.perf_counter()
    return {
        "checkpoint": str(checkpoint),
        "labels": list(scorer.labels),
        "missing_labels": [label for label in DETOXIFY_LABELS if label not in scorer.labels],
        "state_dict_keys": scorer.verified_keys,
        "load_seconds": round(loaded - started, 3),
        "predict_seconds": round(predicted - loaded, 3),
        "scores": {label: round(value, 4) for label, value in scores.items()},
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``prepare``, ``validate`` and ``build-tiny``.

    Args:
        argv: Arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        Process exit status.
    """
    parser = argparse.ArgumentParser(prog="python -m moderation.detoxify_model")
    commands = parser.add_subparsers(dest="command", required=True)
    prepare = commands.add_parser("prepare", help="prepare an offline model directory")
    prepare.add_argument("--checkpoint", type=Path, required=True, help="downloaded .ckpt file")
    prepare.add_argument("--hf-dir", type=Path, required=True, help="downloaded HF config dir")
    prepare.add_argument("--target", type=Path, required=True, help="model directory to write")
    prepare.add_argument(
        "--trust-pickle",
        action="store_true",
        help="allow a checkpoint that needs full unpickling (only for a trusted download)",
    )
    validate = commands.add_parser("validate", help="load a model directory and score a text")
    validate.add_argument("model_dir", type=Path)
    tiny = commands.add_parser("build-tiny", help="write a tiny random model for tests")
    tiny.add_argument("model_dir", type=Path)
    tiny.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        if args.command == "prepare":
            from tqdm import tqdm

            with tqdm(total=PREPARE_STEPS, desc="preparing model", unit="step") as bar:

                def advance(description: str) -> None:
                    bar.set_postfix_str(description)
                    bar.update()

                prepare_model_dir(
                    args.checkpoint,
                    args.hf_dir,
                    args.target,
                    trust_pickle=args.trust_pickle,
                    progress=advance,
                )
            report = validate_model_dir(args.target)
        elif args.command == "validate":
            report = validate_model_dir(args.model_dir)
        else:
            checkpoint, config_dir = build_tiny_checkpoint(args.model_dir, seed=args.seed)
            report = {"checkpoint": str(checkpoint), "config_dir": str(config_dir)}
    except ScorerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    return 0


def _tiny_vocabulary() -> list[str]:
    words = [w for w in dict.fromkeys(_COMMON_WORDS_TEXT.split()) if w not in _CHARACTERS]
    return [*_SPECIAL_TOKENS, *_CHARACTERS, *(f"##{c}" for c in _CHARACTERS), *words]


def _classes(loaded: Mapping[str, Any], checkpoint: Path) -> list[str]:
    try:
        classes = loaded["config"]["dataset"]["args"]["classes"]
        num_classes = loaded["config"]["arch"]["args"]["num_classes"]
        if "state_dict" not in loaded:
            raise KeyError("state_dict")
    except (KeyError, TypeError) as exc:
        raise ScorerError(f"{checkpoint.name} is not a Detoxify checkpoint: missing {exc}") from exc
    if not isinstance(classes, list) or len(classes) != num_classes:
        raise ScorerError(f"{checkpoint.name}: dataset classes do not match num_classes")
    return [str(name) for name in classes]


def _load_downloaded(checkpoint: Path, *, trust_pickle: bool) -> dict[str, Any]:
    import pickle

    import torch

    if not checkpoint.is_file():
        raise ScorerError(f"checkpoint not found: {checkpoint}")
    try:
        loaded = torch.load(checkpoint, map_location="cpu", weights_only=not trust_pickle)
    except pickle.UnpicklingError as exc:
        raise ScorerError(
            f"{checkpoint.name} needs full unpickling, which can run code; if you trust the "
            f"download, re-run with --trust-pickle ({str(exc).splitlines()[0]})"
        ) from exc
    if not isinstance(loaded, dict):
        raise ScorerError(f"{checkpoint.name} is not a Detoxify checkpoint (not a dict)")
    _classes(loaded, checkpoint)
    return loaded


def _save_atomically(obj: object, path: Path) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    torch.save(obj, partial)
    os.replace(partial, path)


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
