"""Crash tests: ``beatthread run`` as real processes, killed with SIGKILL and restarted."""
