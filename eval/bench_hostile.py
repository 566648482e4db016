"""Hostile uploads against a running service: ``python -m citeqa.eval.bench_hostile`` (``make bench-hostile``).

Starts ``citeqa serve`` (the real model and engine) over a temporary copy of the corpus and index
and measures, while one client keeps asking questions:

1. with the default limits: a 1.4 KB PDF whose page tree holds 1,000,000 pages and a 1.8 KB PDF
   that draws 1,000,000 characters on one page — how fast each upload fails, the status and the
   limit it names, the server's resident memory before and after, the log's growth, and whether
   the questions asked meanwhile were answered;
2. with ``CITEQA_MAX_PAGE_CHARS`` lifted so that the text bomb is read and indexed: how long that
   takes, the longest passage it left in the index, and ``/v1/ask`` latency afterwards.

Targets (issue "Hardening"): refusal within 60 s naming the limit, server +≤ 500 MB, log ≤ 5 MB,
questions answered meanwhile; no passage over 10,000 characters and asks ≤ 3 s after the text bomb.
Requests go only to the loopback service it starts; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from citeqa.eval.bench_http import QUESTIONS, LocalService, percentile

UPLOAD_WAIT = 300  # seconds an upload may take before the benchmark gives up on it
ASKS_AFTER = 20  # questions timed after the text bomb is in the index
LIFTED_PAGE_CHARS = "10000000"


def _bombs() -> dict[str, bytes]:
    """The hostile PDFs, made by the generator the tests use (``tests/hostile_files.py``)."""
    path = Path(__file__).resolve().parent.parent / "tests" / "hostile_files.py"
    spec = importlib.util.spec_from_file_location("hostile_files", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"error: cannot load the hostile PDF generator at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {"page-tree bomb (1,000,000 pages)": module.page_tree_bomb(), "text bomb (1,000,000 chars)": module.text_bomb()}


def _rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Asker:
    """One client asking questions in a loop until stopped: answered count, failures, latencies."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.failures = 0
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        import httpx

        with httpx.Client(base_url=self.url, timeout=60) as http:
            i = 0
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    ok = http.post("/v1/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.latencies.append((time.perf_counter() - started) * 1000)
                self.failures += not ok
                i += 1

    def __enter__(self) -> Asker:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(70)


def _upload(http: Any, name: str, data: bytes) -> dict[str, Any]:
    started = time.perf_counter()
    r = http.post("/v1/documents", files={"file": (name, data, "application/pdf")}, params={"wait": UPLOAD_WAIT})
    body = r.json()
    return {"status": r.status_code, "seconds": round(time.perf_counter() - started, 2),
            "detail": body.get("detail") if r.status_code >= 400 else body.get("message")}


def refusals(index: Path | None, log: Path) -> dict[str, Any]:
    """Phase 1: the bombs against the default limits."""
    import httpx

    out: dict[str, Any] = {}
    with LocalService(index, log=log) as service, httpx.Client(base_url=service.url, timeout=UPLOAD_WAIT + 30) as http:
        pid = service.proc.pid  # type: ignore[union-attr]
        http.post("/v1/ask", json={"question": QUESTIONS[0]})  # warm up
        rss, log_bytes = _rss_mb(pid), log.stat().st_size
        with Asker(service.url) as asker:
            for i, (what, data) in enumerate(_bombs().items()):
                out[what] = _upload(http, f"bomb-{i}.pdf", data)
        out["server MB before"], out["server MB after"] = round(rss, 1), round(_rss_mb(pid), 1)
        out["log bytes added"] = log.stat().st_size - log_bytes
        out["asks meanwhile"] = {"answered": len(asker.latencies) - asker.failures, "failed": asker.failures,
                                 "max ms": round(max(asker.latencies, default=float("nan")), 1)}
    return out


def text_bomb_indexed(index: Path | None, log: Path) -> dict[str, Any]:
    """Phase 2: the text bomb read and indexed (page character limit lifted)."""
    import httpx

    bomb = _bombs()["text bomb (1,000,000 chars)"]
    out: dict[str, Any] = {}
    env = {"CITEQA_MAX_PAGE_CHARS": LIFTED_PAGE_CHARS}
    with LocalService(index, env=env, log=log) as service, httpx.Client(base_url=service.url, timeout=UPLOAD_WAIT + 30) as http:
        pid = service.proc.pid  # type: ignore[union-attr]
        http.post("/v1/ask", json={"question": QUESTIONS[0]})
        rss = _rss_mb(pid)
        with Asker(service.url) as asker:
            out["upload"] = _upload(http, "dense.pdf", bomb)
        out["asks during the upload"] = {"answered": len(asker.latencies) - asker.failures, "failed": asker.failures,
                                         "p50 ms": round(percentile(asker.latencies, 50), 1),
                                         "max ms": round(max(asker.latencies, default=float("nan")), 1)}
        hits = http.get("/v1/search", params={"q": "AAAA", "k": 50}).json()["results"]
        out["longest passage (chars)"] = max((len(h["text"]) for h in hits), default=0)
        latencies = []
        for question in (QUESTIONS * 2)[:ASKS_AFTER]:
            started = time.perf_counter()
            http.post("/v1/ask", json={"question": question})
            latencies.append((time.perf_counter() - started) * 1000)
        out["asks after"] = {"p50 ms": round(percentile(latencies, 50), 1), "max ms": round(max(latencies), 1)}
        out["server MB before"], out["server MB after"] = round(rss, 1), round(_rss_mb(pid), 1)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run both phases and print the figures (``--json`` for a JSON object)."""
    parser = argparse.ArgumentParser(prog="python -m citeqa.eval.bench_hostile", description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None, help="Index to copy (default: the configured one).")
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    args = parser.parse_args(argv)
    log = Path(tempfile.mkdtemp(prefix="citeqa-hostile-")) / "serve.log"
    log.touch()
    results = {"default limits": refusals(args.index, log), "page character limit lifted": text_bomb_indexed(args.index, log)}
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return 0
    for phase, figures in results.items():
        print(f"== {phase}")
        for key, value in figures.items():
            print(f"  {key:<36} {json.dumps(value, ensure_ascii=False)}")
    print(f"(server log: {log})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
