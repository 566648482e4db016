"""Fine-tune the verdict model (``citeqa train``) from the shared benchmarks, reproducibly.

The bundled MiniLM encoder, its word embeddings frozen, is trained with one head for both tasks
(each example's loss is taken over its own task's labels). Fixed seeds, one thread order, and
examples ordered by a seeded shuffle make two runs on the same machine give the same file.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from citeqa.eval.calibration import calibration_error
from citeqa.eval.splits import Part
from citeqa.qa.verdict_model import (
    CONFIG,
    FROZEN,
    HEAD_SIZE,
    LABELS,
    OFFSETS,
    WEIGHTS,
    ModelConfig,
    Task,
    base_path,
    build_network,
    encode_pairs,
    file_sha256,
    predicted,
)
from citeqa.train.verdict_data import Example, examples


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters, chosen on the dev parts (see docs/verdict-model.md)."""

    layers: int = 6
    max_length: int = 256
    epochs: int = 3
    batch_size: int = 16
    learning_rate: float = 4e-5
    warmup: float = 0.1
    seed: int = 13


def _target(example: Example) -> int:
    return OFFSETS[example.task].start + LABELS[example.task].index(example.label)


def _mask(tasks: Sequence[Task], torch):
    """-inf on each row's other task's outputs."""
    mask = torch.full((len(tasks), HEAD_SIZE), float("-inf"))
    for row, task in enumerate(tasks):
        mask[row, OFFSETS[task]] = 0.0
    return mask


def _batches(items: list[Example], size: int, rng: random.Random) -> list[list[Example]]:
    """Batches of similar length (less padding), in a seeded random order."""
    order = sorted(items, key=lambda e: len(e.question) + len(e.evidence))
    batches = [order[i:i + size] for i in range(0, len(order), size)]
    rng.shuffle(batches)
    return batches


def predict(network, tokenizer, items: Sequence[Example], max_length: int, batch_size: int = 32) -> np.ndarray:
    """Each example's probabilities over its own task's labels (padded with 0 to the longest task)."""
    import torch

    network.eval()
    width = max(len(v) for v in LABELS.values())
    out = np.zeros((len(items), width), dtype=np.float32)
    with torch.inference_mode():
        for at in range(0, len(items), batch_size):
            chunk = items[at:at + batch_size]
            logits = network(**encode_pairs(tokenizer, [e.question for e in chunk], [e.evidence for e in chunk],
                                            max_length))
            for row, e in enumerate(chunk):
                probs = torch.softmax(logits[row, OFFSETS[e.task]], dim=-1).numpy()
                out[at + row, :len(probs)] = probs
    return out


def metrics(items: Sequence[Example], probs: np.ndarray) -> dict[str, float]:
    """Accuracy per task on the labelled evidence, and how well ``unclear`` tells unrelated text apart."""
    out: dict[str, float] = {}
    for task in Task:
        rows = [i for i, e in enumerate(items) if e.task is task]
        if not rows:
            continue
        guess = {i: predicted(task, probs[i]) for i in rows}
        out[f"{task.value}_accuracy"] = round(float(np.mean([guess[i] == items[i].label for i in rows])), 4)
        out[f"{task.value}_n"] = len(rows)
        for source in sorted({items[i].source for i in rows}):
            own = [i for i in rows if items[i].own and items[i].source == source]
            out[f"{task.value}_{source}_accuracy"] = round(float(np.mean([guess[i] == items[i].label for i in own])), 4)
        unrelated = [i for i in rows if not items[i].own]
        if unrelated:  # unrelated evidence read as unclear, own evidence as decided (when it decides)
            out[f"{task.value}_unrelated_unclear"] = round(float(np.mean([guess[i] == "unclear" for i in unrelated])), 4)
    return out


def evaluate(shared: Path, part: Part, folder: Path | None = None, seed: int = TrainConfig.seed,
             int8: bool = False) -> dict[str, float]:
    """Score a trained model on ``part`` (dev while choosing; validation once, at the end): accuracy per
    task, and the expected calibration error of its probabilities."""
    from citeqa.qa.verdict_model import MODEL_DIR, VerdictModel

    model = VerdictModel(folder or MODEL_DIR, int8=int8)
    items = examples(Path(shared), part, seed)
    probs = predict(model.network, model.tokenizer, items, model.config.max_length)
    out = metrics(items, probs)
    for task in Task:
        rows = [i for i, e in enumerate(items) if e.task is task]
        width = len(LABELS[task])
        confidence = np.array([probs[i, :width].max() for i in rows])
        correct = np.array([predicted(task, probs[i]) == items[i].label for i in rows], dtype=float)
        out[f"{task.value}_ece"] = calibration_error(confidence, correct)
    return out


def train_verdict(shared: Path, out_dir: Path, config: TrainConfig = TrainConfig(),
                  progress: Callable[[str], None] = lambda _: None) -> dict[str, object]:
    """Train on the train parts, score the dev parts, and write the model to ``out_dir``.

    Returns:
        The configuration, example counts, dev metrics and training time.
    """
    import torch
    from transformers import AutoTokenizer, get_linear_schedule_with_warmup

    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    train_items = examples(Path(shared), Part.train, config.seed)
    dev_items = examples(Path(shared), Part.dev, config.seed)
    network = build_network(config.layers)
    for name, parameter in network.encoder.named_parameters():
        parameter.requires_grad = name not in FROZEN
    tokenizer = AutoTokenizer.from_pretrained(str(base_path()))
    rng = random.Random(config.seed)
    steps = config.epochs * -(-len(train_items) // config.batch_size)
    optimiser = torch.optim.AdamW([p for p in network.parameters() if p.requires_grad], lr=config.learning_rate)
    schedule = get_linear_schedule_with_warmup(optimiser, int(config.warmup * steps), steps)
    started = time.perf_counter()
    history = []
    for epoch in range(config.epochs):
        network.train()
        for number, batch in enumerate(_batches(train_items, config.batch_size, rng)):
            encoded = encode_pairs(tokenizer, [e.question for e in batch], [e.evidence for e in batch], config.max_length)
            logits = network(**encoded) + _mask([e.task for e in batch], torch)
            loss = torch.nn.functional.cross_entropy(logits, torch.tensor([_target(e) for e in batch]))
            loss.backward()
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            if number % 50 == 0:
                progress(f"epoch {epoch + 1} batch {number} loss {loss.item():.3f} ({time.perf_counter() - started:.0f} s)")
        scores = metrics(dev_items, predict(network, tokenizer, dev_items, config.max_length))
        history.append({"epoch": epoch + 1, **scores})
        progress(f"epoch {epoch + 1} dev {scores}")
    save(network, Path(out_dir), config)
    return {"config": asdict(config), "train_examples": len(train_items), "dev_examples": len(dev_items),
            "dev": history, "seconds": round(time.perf_counter() - started)}


def save(network, out_dir: Path, config: TrainConfig) -> None:
    """Write the trained weights (fp16, word embeddings left out) and their config."""
    import torch
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(dtype=torch.float16).contiguous()
             for k, v in network.state_dict().items() if k.removeprefix("encoder.") not in FROZEN}
    save_file(state, str(out_dir / WEIGHTS))
    meta = ModelConfig(layers=config.layers, max_length=config.max_length,
                       base_sha256=file_sha256(base_path() / "model.safetensors"), version="1")
    (out_dir / CONFIG).write_text(json.dumps(asdict(meta), indent=2) + "\n", encoding="utf-8")
