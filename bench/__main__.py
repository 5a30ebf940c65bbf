"""Run every benchmark and print its figures (`make bench`)."""

from bench.usecases import main

main()
