"""The load test (make loadtest): see bench/loadtest/run.py."""
