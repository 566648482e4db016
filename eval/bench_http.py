"""HTTP latency benchmark: ``python -m citeqa.eval.bench_http`` (``make bench``).

Starts the service on a free loopback port (building the index from the corpus folder if it
is missing) or uses ``--url``, sends a bounded number of ``POST /v1/ask`` and
``GET /v1/search`` requests over a list of varied questions, and prints p50 / p95 / mean
latency per endpoint. Requests go only to the given URL (loopback by default).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
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


def run(url: str, asks: int, searches: int, warmup: int = 5, timeout: float = 60.0) -> dict[str, Any]:
    """Send ``asks`` asks and ``searches`` searches to the service at ``url`` (sequentially).

    Returns:
        ``{"url", "healthz": {...}, "ask": {...}, "search": {...}}`` with the figures of
        :func:`summarise`; ``healthz`` is the HTTP round-trip floor.
    """
    import httpx

    results: dict[str, Any] = {"url": url}
    with httpx.Client(base_url=url, timeout=timeout) as http:
        for i in range(warmup):
            http.post("/v1/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]})
            http.get("/v1/search", params={"q": SEARCHES[i % len(SEARCHES)]})
        for name, count, send in (
            ("healthz", min(asks, 100), lambda i: http.get("/healthz")),
            ("ask", asks, lambda i: http.post("/v1/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]})),
            (
                "search",
                searches,
                lambda i: http.get(
                    "/v1/search",
                    params={"q": SEARCHES[i % len(SEARCHES)], "k": 10, "mode": ("hybrid", "dense", "bm25")[i % 3]},
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


def _start_local(index: Path | None) -> Any:
    """Load the engine (building the index if missing) and serve it on a free loopback port."""
    from citeqa.api.app import create_app
    from citeqa.api.cli import CliError, load_engine
    from citeqa.api.testing import ServerThread
    from citeqa.settings import Settings

    settings = Settings(**({"index_dir": index} if index else {}))
    if not (Path(settings.index_dir) / "manifest.json").is_file():
        from citeqa.index.embedder import Embedder
        from citeqa.index.store import build_index
        from citeqa.ingest.pipeline import find_corpus_files

        print(f"building the index at {settings.index_dir} from {settings.corpus_dir} …", file=sys.stderr)
        build_index(find_corpus_files([settings.corpus_dir]), Path(settings.index_dir), Embedder(settings.model_name()))
    try:
        engine = load_engine(settings)
    except CliError as exc:
        raise SystemExit(f"error: {exc.message}") from exc
    return ServerThread(create_app(settings, engine))


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; prints the table (or JSON) and returns 0."""
    parser = argparse.ArgumentParser(prog="python -m citeqa.eval.bench_http", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="Benchmark a running service instead of starting one.")
    parser.add_argument("--index", type=Path, help="Index folder for the local service.")
    parser.add_argument("--asks", type=int, default=200, help="Number of /v1/ask requests (default 200).")
    parser.add_argument("--searches", type=int, default=200, help="Number of /v1/search requests (default 200).")
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    args = parser.parse_args(argv)
    asks = max(0, min(args.asks, 5000))
    searches = max(0, min(args.searches, 5000))
    logging.basicConfig(level=logging.WARNING)
    import os

    for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
                        ("TRANSFORMERS_VERBOSITY", "error"), ("TOKENIZERS_PARALLELISM", "false")):
        os.environ.setdefault(name, value)
    if args.url:
        results = run(args.url.rstrip("/"), asks, searches)
    else:
        with _start_local(args.index) as server:
            results = run(server.url, asks, searches)
    if args.json:
        print(json.dumps(results))
        return 0
    print(f"HTTP latency against {results['url']} (sequential requests, ms)")
    print(f"{'endpoint':<14} {'n':>5} {'err':>4} {'p50':>8} {'p95':>8} {'mean':>8} {'max':>8}")
    for name, path in (("ask", "POST /v1/ask"), ("search", "GET /v1/search"), ("healthz", "GET /healthz")):
        r = results[name]
        print(
            f"{path:<14} {r['requests']:>5} {r['errors']:>4} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} "
            f"{r['mean_ms']:>8.1f} {r['max_ms']:>8.1f}"
        )
    target = results["ask"]["p50_ms"]
    print(f"ask p50 {target:.1f} ms (target ≤ 50 ms): {'ok' if target <= 50 else 'SLOWER THAN TARGET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
