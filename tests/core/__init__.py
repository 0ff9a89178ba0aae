"""Tests of the pure core: table tests, no I/O."""
