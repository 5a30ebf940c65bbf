"""Run every benchmark and print its figures (`make bench`)."""

from bench import endtoend, roster, usecases

usecases.main()
endtoend.main()
roster.main()
