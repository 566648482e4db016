"""Crash recovery of the index: a build killed (SIGKILL, as ``kill -9``) at each step of the swap
leaves a loadable index — the old one or the new one — and ``recover_index`` removes the debris.

The build runs in a subprocess with ``CITEQA_CRASH_AT`` naming the step where it dies; the
real parser, chunker and store are used with the fast ``HashEmbedder``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from citeqa.faults import CRASH_ENV
from citeqa.index.store import build_index, load_index, recover_index
from citeqa.index.testing import HashEmbedder

DOCS = {
    "zuma7.txt": "ZUMA-7 axi-cel versus standard care\n\nAxicabtagene ciloleucel improved event-free survival "
    "in second-line large B-cell lymphoma. The complete response rate was 65% with axi-cel.\n",
    "polar.txt": "POLARIX\n\nPolatuzumab vedotin plus R-CHP improved progression-free survival in untreated "
    "diffuse large B-cell lymphoma.\n",
}
NEW = ("transform.txt", "TRANSFORM liso-cel\n\nLisocabtagene maraleucel improved event-free survival; cytokine "
       "release syndrome occurred in 49% of patients.\n")

BUILD = """
import sys
from pathlib import Path
from citeqa.index.store import build_index
from citeqa.index.testing import HashEmbedder
build_index([Path(sys.argv[1])], Path(sys.argv[2]), HashEmbedder())
"""


def _corpus(root: Path) -> Path:
    folder = root / "corpus"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _build_in_subprocess(corpus: Path, index: Path, crash_at: str | None) -> int:
    env = {**os.environ, CRASH_ENV: crash_at or ""}
    done = subprocess.run([sys.executable, "-c", BUILD, str(corpus), str(index)], env=env, timeout=120)
    return done.returncode


def _debris(index: Path) -> list[str]:
    """Hidden siblings of the index other than its live version, its lock file and the jobs folder."""
    kept = {index.resolve(), index.parent / ".index.lock", index.parent / ".index.write.lock", index.parent / ".index.jobs"}
    return sorted(p.name for p in index.parent.iterdir() if p.name.startswith(".") and p not in kept)


@pytest.mark.parametrize(
    ("crash_at", "expected"),
    [
        ("build:saved", {"zuma7", "polar"}),  # the new index is written, not yet renamed
        ("swap:version-ready", {"zuma7", "polar"}),  # renamed to a version folder, not yet linked
        ("swap:linked", {"zuma7", "polar", "transform"}),  # switched, the old version not yet removed
    ],
)
def test_kill_during_an_index_swap_leaves_a_loadable_index(tmp_path, crash_at, expected):
    corpus = _corpus(tmp_path)
    index = tmp_path / "index"
    build_index([corpus], index, HashEmbedder())
    (corpus / NEW[0]).write_text(NEW[1], encoding="utf-8")
    assert _build_in_subprocess(corpus, index, crash_at) == -9
    assert set(load_index(index).documents) == expected  # loadable before any repair
    recover_index(index)
    assert _debris(index) == []
    assert set(load_index(index).documents) == expected
    emb = HashEmbedder()
    report = build_index([corpus], index, emb)  # the next build reuses what was embedded
    assert report.reused >= 2 and set(load_index(index).documents) == {"zuma7", "polar", "transform"}
    assert _debris(index) == []


def test_kill_while_migrating_a_plain_index_folder_is_repaired(tmp_path):
    """A plain index folder (older citeqa) is renamed before the first switch; a kill right
    after the rename leaves no index at the path until ``recover_index`` points it at the newest."""
    corpus = _corpus(tmp_path)
    index = tmp_path / "index"
    build_index([corpus], index, HashEmbedder())
    plain = tmp_path / "plain"
    shutil.copytree(index.resolve(), plain)
    index.unlink()
    plain.rename(index)
    assert index.is_dir() and not index.is_symlink()
    assert set(load_index(index).documents) == {"zuma7", "polar"}  # plain folders still load
    (corpus / NEW[0]).write_text(NEW[1], encoding="utf-8")
    assert _build_in_subprocess(corpus, index, "swap:plain-moved") == -9
    assert not index.exists()
    recovery = recover_index(index)
    assert recovery.restored is not None
    assert set(load_index(index).documents) == {"zuma7", "polar", "transform"}
    assert _debris(index) == []


def test_an_older_citeqa_backup_is_restored_instead_of_re_embedding(tmp_path):
    """Older citeqa renamed the index to ``.<name>.old-<hex>`` and then the build in; a kill between
    the two renames left no index. The backup is restored and nothing is embedded again."""
    corpus = _corpus(tmp_path)
    index = tmp_path / "index"
    build_index([corpus], index, HashEmbedder())
    backup = tmp_path / ".index.old-1a2b3c4d"
    shutil.copytree(index.resolve(), backup)
    shutil.rmtree(index.resolve())
    index.unlink()
    (tmp_path / ".index.tmp-999999-deadbeef").mkdir()  # an interrupted build of a process long gone
    (tmp_path / ".index.jobs").mkdir()  # the service's job records: not the index's to remove
    emb = HashEmbedder()
    report = build_index([corpus], index, emb)
    assert report.embedded == 0 and emb.encoded == 0
    assert set(load_index(index).documents) == {"zuma7", "polar"}
    assert _debris(index) == [] and (tmp_path / ".index.jobs").is_dir()


def test_a_running_build_of_another_process_is_left_alone(tmp_path):
    corpus = _corpus(tmp_path)
    index = tmp_path / "index"
    build_index([corpus], index, HashEmbedder())
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        busy = tmp_path / f".index.tmp-{sleeper.pid}-0badc0de"
        busy.mkdir()
        recover_index(index)
        assert busy.is_dir()
    finally:
        sleeper.kill()
        sleeper.wait()
    recover_index(index)
    assert not busy.exists()
