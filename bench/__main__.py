"""Run every benchmark and print its figures (`make bench`)."""

from bench import endtoend, lane, panel, readers, roster, sync, usecases

usecases.main()
endtoend.main()
roster.main()
lane.main([])  # LANE_BENCH_LEARNERS sets the morning's size (1,000 by default)
sync.main()
readers.main()
panel.main()
