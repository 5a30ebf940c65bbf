"""Run every benchmark and print its figures (`make bench`)."""

from bench import endtoend, usecases

usecases.main()
endtoend.main()
