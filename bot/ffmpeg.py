"""Running ffmpeg (the imageio-ffmpeg wheel's) to the end, for the adapters that encode video.

Shared by the Discord front end's smaller copies and the local backend's encodes: one process
per call, no stdin, killed when the caller stops waiting (a timeout or a cancellation), so an
encode is never left running on its own.
"""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["last_line", "run_ffmpeg"]


async def run_ffmpeg(
    exe: str, args: list[str], *, time_limit: float | None = None, merge: bool = False
) -> tuple[int, bytes]:
    """Run ``exe args``; return (exit code, stderr, or stdout and stderr merged)."""
    process = await asyncio.create_subprocess_exec(
        exe,
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE if merge else asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.STDOUT if merge else asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(time_limit):
            stdout, stderr = await process.communicate()
    finally:
        if process.returncode is None:  # timed out or cancelled: do not leave ffmpeg running
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    return process.returncode or 0, (stdout if merge else stderr) or b""


def last_line(output: bytes, limit: int = 200) -> str:
    """The last line ffmpeg wrote (its error, as a rule), cut to ``limit`` characters."""
    lines = output.decode(errors="replace").strip().splitlines()
    return (lines[-1] if lines else "no output")[:limit]
