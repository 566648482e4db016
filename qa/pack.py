"""Domain packs: the field knowledge the answer layer reads, as data (TOML files).

A pack names the measures a field reports (with their wordings, units and role), the populations
its papers compare (with what implies what), the units a number can carry, the shapes of drug and
trial names, the words that are never entity names, and a few reporting phrases ("not reached",
"these patients"). The engine is generic code over a :class:`~citeqa.qa.vocabulary.Vocabulary`
compiled from a pack; no measure or population key is written in it.

Packs live in ``qa/packs/<name>.toml`` (bundled: ``clinical-trial``, the general one, and
``oncology``, the default, which extends it) or anywhere on disk; ``Settings.pack`` names one.
A pack may ``extend`` another: its lists extend the parent's, its measures and populations are
tried before the parent's and replace a parent entry of the same key, its tables update the
parent's.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKS_DIR = Path(__file__).resolve().parent / "packs"
DEFAULT_PACK = "oncology"

_TOP_LEVEL = {"name", "extends", "description", "entities", "synonyms", "abbreviations", "text", "unit", "question_unit",
              "measure", "population", "reference_field", "patterns", "question"}
_FIELDS = {
    "entities": {"drug_min_prefix", "drug_suffixes", "trial_pattern", "not_entities", "stopwords"},
    "text": {"not_reported", "not_reached", "not_reached_in_text", "anaphora", "landmark", "skip_sections",
             "result_cues", "not_a_value_before", "finding_sections", "control_arm"},
    "question": {"stopwords", "topic_suffixes", "topic_words", "quantity_nouns", "list_nouns", "trial_nouns"},
    "unit": {"name", "pattern", "joins", "display"},
    "question_unit": {"pattern", "units"},
    "measure": {"key", "label", "patterns", "units", "role", "better"},
    "population": {"key", "label", "patterns", "role", "implies", "excludes", "mentioned_by", "entity_shape"},
    "reference_field": {"name", "pattern"},
}


class PackError(ValueError):
    """A pack file is missing, unreadable or malformed; the message names the file and the field."""


@dataclass
class Pack:
    """A domain pack as read from its TOML file(s), parents merged in.

    Attributes:
        name: The pack's name.
        description: What field it covers.
        sources: The files it was read from, the pack itself first.
        data: The merged tables and lists (the TOML layout).
    """

    name: str
    description: str
    sources: list[Path]
    data: dict[str, Any] = field(default_factory=dict)


def pack_path(name_or_path: str | Path) -> Path:
    """The file of a bundled pack name (``oncology``) or a path to a TOML file.

    Raises:
        PackError: Neither a bundled pack nor an existing file.
    """
    text = str(name_or_path)
    candidate = Path(text)
    if candidate.suffix == ".toml" or candidate.is_file():
        if not candidate.is_file():
            raise PackError(f"domain pack file not found: {candidate}")
        return candidate
    bundled = PACKS_DIR / f"{text}.toml"
    if not bundled.is_file():
        names = ", ".join(sorted(p.stem for p in PACKS_DIR.glob("*.toml")))
        raise PackError(f"unknown domain pack {text!r}: use one of {names} or a path to a .toml file")
    return bundled


def _read(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(f"cannot read domain pack {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"domain pack {path} is not valid TOML: {exc}") from exc
    unknown = set(data) - _TOP_LEVEL
    if unknown:
        raise PackError(f"domain pack {path}: unknown field(s) {', '.join(sorted(unknown))}")
    for section, allowed in _FIELDS.items():
        value = data.get(section)
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        if value is not None and not items:
            raise PackError(f"domain pack {path}: [{section}] must be a table or an array of tables")
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise PackError(f"domain pack {path}: {section}[{i}] must be a table")
            extra = set(item) - allowed
            if extra:
                raise PackError(f"domain pack {path}: {section}[{i}] has unknown field(s) {', '.join(sorted(extra))}")
    return data


def _keyed(child: list[dict], parent: list[dict], key: str) -> list[dict]:
    """The child's entries first, then the parent's not replaced by a child entry of the same key."""
    own = {item.get(key) for item in child}
    return [*child, *(item for item in parent if item.get(key) not in own)]


def _merge(child: dict[str, Any], parent: dict[str, Any]) -> dict[str, Any]:
    merged = dict(parent)
    for name, value in child.items():
        if name in ("measure", "population"):
            merged[name] = _keyed(value, parent.get(name, []), "key")
        elif name in ("unit", "reference_field"):
            merged[name] = _keyed(value, parent.get(name, []), "name")
        elif name == "question_unit":
            merged[name] = [*value, *parent.get(name, [])]
        elif isinstance(value, dict):
            table = dict(parent.get(name, {}))
            for key, item in value.items():
                if isinstance(item, list) and isinstance(table.get(key), list):
                    table[key] = [*table[key], *(x for x in item if x not in table[key])]
                else:
                    table[key] = item
            merged[name] = table
        else:
            merged[name] = value
    return merged


def load_pack(name_or_path: str | Path = DEFAULT_PACK) -> Pack:
    """Read a domain pack and the packs it extends.

    Args:
        name_or_path: A bundled pack's name (``oncology``, ``clinical-trial``) or a TOML file.

    Returns:
        The merged pack.

    Raises:
        PackError: A missing or malformed file, an unknown parent, or a cycle of ``extends``.
    """
    chain: list[tuple[Path, dict[str, Any]]] = []
    path = pack_path(name_or_path)
    while True:
        if any(path.resolve() == seen.resolve() for seen, _ in chain):
            raise PackError(f"domain pack {path}: `extends` forms a cycle")
        data = _read(path)
        chain.append((path, data))
        parent = data.get("extends")
        if not parent:
            break
        sibling = path.parent / f"{parent}.toml"
        path = sibling if sibling.is_file() else pack_path(parent)
    merged: dict[str, Any] = {}
    for _, data in reversed(chain):
        merged = _merge(data, merged)
    first = chain[0][1]
    name = str(first.get("name") or chain[0][0].stem)
    return Pack(name, str(first.get("description", "")), [p for p, _ in chain], merged)
