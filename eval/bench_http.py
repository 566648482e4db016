"""HTTP latency benchmark: ``python -m citeqa.eval.bench_http`` (``make bench``).

Starts ``citeqa serve`` on a free loopback port over a temporary copy of the corpus and index
(building the index from the corpus folder if it is missing), or uses ``--url``. Then:

1. single client: a bounded number of sequential ``POST /v1/ask`` and ``GET /v1/search``
   requests over varied questions, p50 / p95 / mean / max per endpoint;
2. load: ``--clients`` clients (16) asking and searching for ``--seconds`` (60) while a large
   generated document is uploaded and embedded, p50 / p95 and errors, printed beside (1), with
   how far the upload job got. The uploaded document is deleted afterwards.

With ``--large evidence-inference`` it instead serves the cached Evidence Inference benchmark index
(835 trial reports, about 30,000 chunks; built by ``make eval-ei`` under ``--cache``) and asks that
benchmark's validation questions: the single-client figures of a large corpus (target: ask p50
≤ 100 ms).

Requests go only to the given URL (loopback by default); every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

QUESTIONS = [
    "epcoritamab post-CAR-T CR rate",
    "What was the ORR with epcoritamab after CAR T-cell therapy?",
    "What was the CR rate with glofitamab in patients with prior CAR T-cell therapy?",
    "How many patients were enrolled in L-MIND?",
    "How many patients were enrolled in LOTIS-2, the pivotal trial of loncastuximab tesirine?",
    "What was the median duration of response with epcoritamab after CAR T?",
    "What was the ORR of mosunetuzumab in the post-CAR T-cell cohort?",
    "What was the CR rate of odronextamab after CAR T-cell failure?",
    "What is the median overall survival after CAR T-cell therapy failure?",
    "Which study reported polatuzumab vedotin with bendamustine-rituximab?",
    "What was the ORR of glofitamab in the post-CAR T cohort?",
    "What was the CR rate of unicornumab?",
    "What was the PFS with tafasitamab plus lenalidomide?",
    "Which trials are recruiting patients after CAR T-cell therapy?",
    "What proportion of patients relapse after CAR T-cell therapy?",
    "lenalidomide ORR",
    "What was the CR rate with loncastuximab tesirine?",
    "selinexor response rate in relapsed DLBCL",
    "What was the sample size of the glofitamab post-CAR T cohort?",
    "Who are the authors of the epcoritamab dose expansion trial?",
    "Does chemotherapy still work after CAR T?",
    "Is radiotherapy useful for localized relapse after CAR T?",
    "Which bispecific antibody had the highest CR rate after CAR T?",
]

SEARCHES = [
    "epcoritamab complete response",
    "bispecific antibodies after CAR T",
    "CD19 loss resistance mechanism",
    "allogeneic stem cell transplant after CAR T failure",
    "polatuzumab bendamustine rituximab",
    "loncastuximab tesirine LOTIS-2",
    "tafasitamab lenalidomide L-MIND",
    "median overall survival after relapse",
    "cytokine release syndrome",
    "clinical trial enrollment post-CAR T",
]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of ``values`` by linear interpolation."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarise(latencies_ms: Sequence[float], errors: int) -> dict[str, float | int]:
    """Count, errors, p50, p95, mean and max of a list of latencies in milliseconds."""
    return {
        "requests": len(latencies_ms),
        "errors": errors,
        "p50_ms": round(percentile(latencies_ms, 50), 2),
        "p95_ms": round(percentile(latencies_ms, 95), 2),
        "mean_ms": round(statistics.fmean(latencies_ms), 2) if latencies_ms else float("nan"),
        "max_ms": round(max(latencies_ms), 2) if latencies_ms else float("nan"),
    }


def run(url: str, asks: int, searches: int, warmup: int = 5, timeout: float = 60.0,
        questions: Sequence[str] = QUESTIONS, searches_text: Sequence[str] = SEARCHES) -> dict[str, Any]:
    """Send ``asks`` asks and ``searches`` searches to the service at ``url`` (sequentially), cycling
    through ``questions`` and ``searches_text``.

    Returns:
        ``{"url", "healthz": {...}, "ask": {...}, "search": {...}}`` with the figures of
        :func:`summarise`; ``healthz`` is the HTTP round-trip floor.
    """
    import httpx

    results: dict[str, Any] = {"url": url}
    with httpx.Client(base_url=url, timeout=timeout) as http:
        for i in range(warmup):
            http.post("/v1/ask", json={"question": questions[i % len(questions)]})
            http.get("/v1/search", params={"q": searches_text[i % len(searches_text)]})
        for name, count, send in (
            ("healthz", min(asks, 100), lambda i: http.get("/healthz")),
            ("ask", asks, lambda i: http.post("/v1/ask", json={"question": questions[i % len(questions)]})),
            (
                "search",
                searches,
                lambda i: http.get(
                    "/v1/search",
                    params={"q": searches_text[i % len(searches_text)], "k": 10, "mode": ("hybrid", "dense", "bm25")[i % 3]},
                ),
            ),
        ):
            latencies: list[float] = []
            errors = 0
            for i in range(count):
                started = time.perf_counter()
                response = send(i)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    errors += 1
            results[name] = summarise(latencies, errors)
    return results


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if len(p.strip()) > 200]


def upload_document(corpus_dir: Path, target_chunks: int = 1500) -> bytes:
    """A large text document for the load run: the corpus's paragraphs, numbered so that every
    chunk is new (nothing is reused), repeated to about ``target_chunks`` chunks."""
    from citeqa.ingest.pipeline import find_corpus_files

    paragraphs: list[str] = []
    for path in find_corpus_files([corpus_dir]):
        if path.suffix.lower() in (".txt", ".md"):
            paragraphs += _paragraphs(path.read_text(encoding="utf-8", errors="replace"))
    paragraphs = paragraphs or ["The overall response rate was 50% among 40 patients in the benchmark cohort. " * 8]
    out = ["Load benchmark document (generated by citeqa bench_http)", ""]
    for i in range(target_chunks):
        out += [f"Section {i + 1}", "", f"In part {i + 1} of this benchmark document: {paragraphs[i % len(paragraphs)]}", ""]
    return "\n".join(out).encode("utf-8")


def _client_loop(url: str, stop: threading.Event, seed: int, out: dict[str, list[float]], errors: list[str]) -> None:
    import httpx

    with httpx.Client(base_url=url, timeout=60) as http:
        i = seed
        while not stop.is_set():
            name = "ask" if i % 2 == 0 else "search"
            started = time.perf_counter()
            try:
                if name == "ask":
                    response = http.post("/v1/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]})
                else:
                    response = http.get("/v1/search", params={"q": SEARCHES[i % len(SEARCHES)], "k": 10})
                ok = response.status_code == 200
            except httpx.HTTPError as exc:
                ok, response = False, exc
            out[name].append((time.perf_counter() - started) * 1000)
            if not ok:
                errors.append(f"{name}: {getattr(response, 'status_code', response)}")
            i += 1


def load(url: str, document: bytes | None, clients: int, seconds: float, headers: dict[str, str]) -> dict[str, Any]:
    """``clients`` clients asking and searching for ``seconds`` while ``document`` is uploaded.

    Returns:
        ``{"clients", "seconds", "ask": {...}, "search": {...}, "errors": [...], "upload": {...}}``.
    """
    import httpx

    latencies: dict[str, list[float]] = {"ask": [], "search": []}
    errors: list[str] = []
    upload: dict[str, Any] = {}
    with httpx.Client(base_url=url, timeout=120, headers=headers) as http:
        job_url = None
        if document is not None:
            r = http.post("/v1/documents", files={"file": ("bench-load.txt", document, "text/plain")})
            if r.status_code != 202:
                raise SystemExit(f"error: the load run's upload was refused ({r.status_code}): {r.text[:300]}")
            job_url = r.headers["location"]
        stop = threading.Event()
        threads = [threading.Thread(target=_client_loop, args=(url, stop, i, latencies, errors)) for i in range(clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join(timeout=120)
        if job_url is not None:
            job = http.get(job_url).json()
            upload = {"state_at_end": job["state"], "embedded_at_end": job["embedded"], "to_embed": job["to_embed"]}
            deadline = time.monotonic() + 1800
            while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
                time.sleep(1)
                job = http.get(job_url).json()
            upload.update(state=job["state"], seconds=round(time.monotonic() - started, 1), error=job.get("error"))
            if job.get("doc_id") and job["state"] == "done":
                http.delete(f"/v1/documents/{job['doc_id']}", params={"wait": 600})
    return {
        "clients": clients,
        "seconds": seconds,
        "ask": summarise(latencies["ask"], sum(e.startswith("ask") for e in errors)),
        "search": summarise(latencies["search"], sum(e.startswith("search") for e in errors)),
        "errors": errors[:20],
        "upload": upload,
    }


class LocalService:
    """``citeqa serve`` in a subprocess over a temporary copy of the corpus and index.

    Args:
        index: The index folder (default: the configured one).
        corpus: The corpus folder to copy (default: the configured one); a benchmark index is served
            with an empty one, its documents living where the benchmark keeps them.
    """

    def __init__(
        self, index: Path | None, corpus: Path | None = None, pack: str | None = None, *,
        env: dict[str, str] | None = None, log: Path | None = None,
    ) -> None:
        from citeqa.settings import Settings

        self.settings = Settings(**({"index_dir": index} if index else {}))
        self.corpus = corpus
        self.pack = pack
        self.env = env or {}
        self.log = log
        self.tmp = Path(tempfile.mkdtemp(prefix="citeqa-bench-"))
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> LocalService:
        from citeqa.api.testing import free_port

        settings = self.settings
        if not (Path(settings.index_dir) / "manifest.json").is_file():
            from citeqa.index.embedder import Embedder
            from citeqa.index.store import build_index
            from citeqa.ingest.pipeline import find_corpus_files

            print(f"building the index at {settings.index_dir} from {settings.corpus_dir} …", file=sys.stderr)
            build_index(find_corpus_files([settings.corpus_dir]), Path(settings.index_dir), Embedder(settings.model_name()))
        if self.corpus is None:
            shutil.copytree(settings.corpus_dir, self.tmp / "corpus")
        else:
            shutil.copytree(self.corpus, self.tmp / "corpus")
        shutil.copytree(Path(settings.index_dir).resolve(), self.tmp / "index")
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "CITEQA_CORPUS_DIR": str(self.tmp / "corpus"), "CITEQA_INDEX_DIR": str(self.tmp / "index")}
        if self.pack:
            env["CITEQA_PACK"] = self.pack
        env.update(self.env)
        citeqa = Path(sys.executable).parent / "citeqa"
        if self.log is not None:
            env["PYTHONUNBUFFERED"] = "1"  # every log line reaches the file as written (it is measured)
        log = self.log.open("ab") if self.log is not None else subprocess.DEVNULL
        self.proc = subprocess.Popen([str(citeqa), "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
        import httpx

        deadline = time.monotonic() + 1200  # a 30,000-chunk index takes a few minutes to load
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.2)
        self.__exit__()
        raise SystemExit("error: the local service did not start within 1200 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)
        shutil.rmtree(self.tmp, ignore_errors=True)


LARGE = {"evidence-inference": "Evidence Inference: 835 trial reports"}
BENCHMARK_PACK = "clinical-trial"
"""The domain pack the benchmark corpora are answered with (their papers span every field of medicine)."""


def large_corpus(name: str, benchmarks: Path, cache: Path, model: str) -> tuple[Path, list[str], int]:
    """The cached index of a benchmark corpus and questions for it: ``(index folder, questions, chunks)``.

    Raises:
        SystemExit: The index is not built yet (it takes an hour or more: ``make eval-ei`` builds it).
    """
    from citeqa.eval import evidence_inference
    from citeqa.eval.corpora import built_index_dir

    folder = Path(benchmarks) / name
    directory = built_index_dir(name, evidence_inference.article_files(folder), model, cache)
    if directory is None:
        raise SystemExit(f"error: the {name} index is not in {cache} for this code and model yet — build it with "
                         f"`citeqa eval --suite {name} --cache {cache}` (make eval-ei), then run the benchmark again")
    prompts = evidence_inference.load_prompts(folder, "validation")
    questions = list(dict.fromkeys(p.question for p in prompts))[:100]
    chunks = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))["chunk_count"]
    return directory, questions, chunks


def _print(results: dict[str, Any]) -> None:
    heavy = results.get("load")
    print(f"HTTP latency against {results['url']} (ms)" + (f" — {results['corpus']}" if results.get("corpus") else ""))
    title = "single client, sequential"
    if heavy:
        title += f"  |  {heavy['clients']} clients for {heavy['seconds']:.0f} s during an upload"
    print(title)
    line = f"{'endpoint':<15} {'n':>5} {'err':>4} {'p50':>7} {'p95':>7} {'mean':>7} {'max':>7}"
    print(line + (f"  | {'n':>6} {'err':>4} {'p50':>7} {'p95':>7} {'max':>8}" if heavy else ""))
    for name, path in (("ask", "POST /v1/ask"), ("search", "GET /v1/search"), ("healthz", "GET /healthz")):
        r = results[name]
        row = (f"{path:<15} {r['requests']:>5} {r['errors']:>4} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} "
               f"{r['mean_ms']:>7.1f} {r['max_ms']:>7.1f}")
        if heavy and name in heavy:
            h = heavy[name]
            row += f"  | {h['requests']:>6} {h['errors']:>4} {h['p50_ms']:>7.1f} {h['p95_ms']:>7.1f} {h['max_ms']:>8.1f}"
        print(row)
    target = results["ask"]["p50_ms"]
    limit = 100 if results.get("corpus") else 50
    print(f"ask p50 {target:.1f} ms (target ≤ {limit} ms): {'ok' if target <= limit else 'SLOWER THAN TARGET'}")
    if heavy:
        up = heavy["upload"]
        if up:
            print(
                f"upload during the load: {up['embedded_at_end']:,} of {up['to_embed']:,} chunks embedded when the "
                f"load ended ({up['state_at_end']}); job {up['state']} after {up['seconds']} s"
                + (f": {up['error']}" if up.get("error") else "")
            )
        errors = heavy["ask"]["errors"] + heavy["search"]["errors"]
        print(f"errors under load: {errors}" + (f" (first: {heavy['errors'][:3]})" if errors else ""))


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; prints the table (or JSON) and returns 0 (1 with errors under load)."""
    parser = argparse.ArgumentParser(prog="python -m citeqa.eval.bench_http", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="Benchmark a running service instead of starting one (the load run uploads "
                        "a document there and deletes it after).")
    parser.add_argument("--index", type=Path, help="Index folder for the local service.")
    parser.add_argument("--asks", type=int, default=200, help="Number of /v1/ask requests (default 200).")
    parser.add_argument("--searches", type=int, default=200, help="Number of /v1/search requests (default 200).")
    parser.add_argument("--clients", type=int, default=16, help="Concurrent clients of the load run (default 16).")
    parser.add_argument("--seconds", type=float, default=60, help="Length of the load run (default 60; 0: none).")
    parser.add_argument("--upload-chunks", type=int, default=1500, help="Size of the document uploaded during the load.")
    parser.add_argument("--large", choices=sorted(LARGE), help="Serve this cached benchmark index instead (no load "
                        "run) and ask its questions: the figure of a large corpus.")
    parser.add_argument("--benchmarks", type=Path, default=Path("../shared/benchmarks"), help="Benchmark data folder.")
    parser.add_argument("--cache", type=Path, default=Path("var/cache/eval"), help="Where eval indexes are cached.")
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    args = parser.parse_args(argv)
    asks = max(0, min(args.asks, 5000))
    searches = max(0, min(args.searches, 5000))
    clients = max(1, min(args.clients, 64))
    seconds = max(0.0, min(args.seconds, 600.0))
    logging.basicConfig(level=logging.WARNING)
    for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
                        ("TRANSFORMERS_VERBOSITY", "error"), ("TOKENIZERS_PARALLELISM", "false")):
        os.environ.setdefault(name, value)
    from citeqa.settings import Settings

    settings = Settings(**({"index_dir": args.index} if args.index else {}))
    if args.large:
        return _large(args, settings, asks, searches)
    headers = {"X-API-Key": settings.api_key} if settings.api_key else {}
    document = upload_document(Path(settings.corpus_dir), max(1, args.upload_chunks))
    if args.url:
        results = run(args.url.rstrip("/"), asks, searches)
        if seconds:
            results["load"] = load(args.url.rstrip("/"), document, clients, seconds, headers)
    else:
        with LocalService(args.index) as server:
            results = run(server.url, asks, searches)
            if seconds:
                results["load"] = load(server.url, document, clients, seconds, headers)
    if args.json:
        print(json.dumps(results))
    else:
        _print(results)
    heavy = results.get("load")
    return 1 if heavy and (heavy["ask"]["errors"] or heavy["search"]["errors"]) else 0


def _large(args: argparse.Namespace, settings: Any, asks: int, searches: int) -> int:
    """The single-client figures over a cached benchmark index (``--large``)."""
    directory, questions, chunks = large_corpus(args.large, args.benchmarks, args.cache, settings.model_name())
    empty = Path(tempfile.mkdtemp(prefix="citeqa-bench-corpus-"))
    try:
        with LocalService(directory, empty, BENCHMARK_PACK) as server:
            results = run(server.url, asks, searches, questions=questions, searches_text=questions)
    finally:
        shutil.rmtree(empty, ignore_errors=True)
    results["corpus"] = f"{LARGE[args.large]}, {chunks:,} chunks"
    if args.json:
        print(json.dumps(results))
    else:
        _print(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
