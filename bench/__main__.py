"""Run every benchmark and print its figures (`make bench`).

A benchmark that fails says which one could not take its figures, and the others still run.
"""

import traceback

from bench import endtoend, lane, panel, readers, roster, sync, usecases

taken: dict[str, float] = {}
BENCHES = (
    ("usecases", usecases.main),
    ("endtoend", lambda: taken.update(endtoend.main())),
    ("roster", roster.main),
    # LANE_BENCH_LEARNERS sets the morning's size (1,000 by default)
    ("lane", lambda: taken.update(lane.main([]))),
    ("sync", sync.main),
    ("readers", readers.main),
    ("panel", panel.main),
)

failed = []
for name, run in BENCHES:
    try:
        run()
    except Exception as exc:  # the next bench still runs; this one says what it could not take
        traceback.print_exc()
        print(f"# bench.{name} could not take its figures: {exc!r}", flush=True)
        failed.append(name)
if "tap_to_prompt_p99_ms" in taken and taken.get("tap_to_drawn_p50_ms"):
    # The lane's slowest answers against the plain tap's typical one, taken in this one run,
    # both to the frame that shows the learner the words.
    ratio = taken["tap_to_prompt_p99_ms"] / taken["tap_to_drawn_p50_ms"]
    print(f"lane_p99_over_plain_p50: {ratio:.2f}")
    # As it was first printed: the plain tap only to its words being set, one frame short.
    words = taken["tap_to_prompt_p99_ms"] / taken["tap_to_screen_p50_ms"]
    print(f"lane_p99_over_plain_words_p50: {words:.2f}")
if failed:
    raise SystemExit(f"benchmarks that failed: {', '.join(failed)}")
