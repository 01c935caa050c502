"""Loads the detector's second opinion (`resources/model/`) for `build_detector`; the domain gets it ready.

The model is a fastText file read through `fasttext_pybind`, the module both `fasttext-predict` (the
run-time dependency) and the full `fasttext` bindings (the `train` extra) ship under the same name and
API. A missing package or file means "rules only", never a failed start.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

from desktop_app.domain.detection.second_opinion import SecondOpinion
from desktop_app.domain.resources import resource_path

log = logging.getLogger(__name__)

MODEL_FILE = "second_opinion.bin"
META_FILE = "second_opinion.json"


def model_folder() -> Path:
    return resource_path("model")


def load_second_opinion(folder: Path | None = None) -> SecondOpinion | None:
    folder = folder if folder is not None else model_folder()
    model_path, meta_path = folder / MODEL_FILE, folder / META_FILE
    if not model_path.is_file() or not meta_path.is_file():
        return None
    try:
        import fasttext_pybind
    except ImportError:
        log.warning("fasttext-predict is not installed: the detector runs on its rules alone")
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        model = fasttext_pybind.fasttext()
        model.loadModel(str(model_path))
    except (OSError, ValueError, RuntimeError) as exc:
        log.warning("detector model %s cannot be loaded (%s): rules alone", model_path, exc)
        return None
    low_level = model.predict

    def predict(line: str) -> Sequence[tuple[float, str]]:
        predictions: Sequence[tuple[float, str]] = low_level(line, -1, 0.0, "strict")  # untyped binding
        return predictions

    opt_in = meta.get("opt_in_threshold")
    return SecondOpinion(predict, float(meta["threshold"]), None if opt_in is None else float(opt_in))
