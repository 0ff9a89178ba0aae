"""Two processes that compile librosa's kernels at once leave a cache every process can load.

Without the lock this crashed 4 times in 4 tries here: one of the two, then every later
analysis, died of SIGSEGV on mismatched gufunc cache files (numba/numba#10128).
"""

import os
import subprocess
import sys
from pathlib import Path

from bot.studio import kernels

ANALYSE = """
from bot.studio import analysis, synth
spec = synth.TrackSpec("check", 120.0, 12.0, style="backbeat")
found = analysis.analyse_samples(synth.render_track(spec, analysis.SAMPLE_RATE)[0])
print(round(found.tempo_bpm))
"""
WARM_UP = "from bot.studio import analysis; analysis.warm_up()"


def _start(script: str, cache: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    return subprocess.Popen(
        [sys.executable, "-c", script],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_concurrent_cold_compiles_leave_a_loadable_cache(tmp_path: Path) -> None:
    cache = tmp_path / "numba-cache"
    first, second = _start(WARM_UP, cache), _start(ANALYSE, cache)
    results = [(process.wait(timeout=600), process.communicate()) for process in (first, second)]
    for code, (_, errors) in results:
        assert code == 0, errors[-2000:]
    assert results[1][1][0].strip() == "120"
    assert any(cache.rglob("*.nbc")), "numba wrote no cache: the lock would guard nothing"
    assert (cache / kernels.LOCK_NAME).exists()

    later = _start(ANALYSE, cache)
    out, errors = later.communicate(timeout=600)
    assert later.returncode == 0, errors[-2000:]
    assert out.strip() == "120"
