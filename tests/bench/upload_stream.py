"""Benchmark: a 500 MB streamed upload through NemoClient vs a raw loopback copy.

Prints throughput of both paths and the peak RSS growth of this (client) process during the
upload. The local backend and the raw sink run in child processes so their memory does not
count against the client. Targets (issue 2): RSS growth ≤ 32 MB, ≥ 80 % of the raw speed.

    .venv/bin/python tests/bench/upload_stream.py [--mb 500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bot.backend import Attribution, Authenticator, NemoClient
from bot.core.backend_results import file_source
from bot.core.models import BackendIdentity

CHUNK = 1 << 20


class _MemoryIdentity:
    """The bench keeps its one identity in memory; storage is not what is measured here."""

    def __init__(self) -> None:
        self.identity: BackendIdentity | None = None

    async def load_identity(self) -> BackendIdentity | None:
        return self.identity

    async def save_identity(self, identity: BackendIdentity) -> None:
        self.identity = identity


def write_wav(path: Path, size: int) -> None:
    """A valid WAV header followed by pseudo-random samples, written in 1 MiB pieces."""
    data_bytes = size - 44
    header = b"RIFF" + struct.pack("<I", size - 8) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 2, 44100, 44100 * 4, 4, 16)
    header += b"data" + struct.pack("<I", data_bytes)
    block = os.urandom(CHUNK)
    with path.open("wb") as handle:
        handle.write(header)
        remaining = data_bytes
        while remaining:
            piece = block[: min(CHUNK, remaining)]
            handle.write(piece)
            remaining -= len(piece)


class PeakRss:
    """Samples this process's resident set every 5 ms in a thread."""

    def __init__(self) -> None:
        self.baseline = self._rss()
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def start_child(args: list[str]) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    first_line = child.stdout.readline().strip()
    return child, first_line


async def raw_copy(path: Path, port: int) -> float:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.perf_counter()
    with path.open("rb") as handle:
        while chunk := await asyncio.to_thread(handle.read, CHUNK):
            writer.write(chunk)
            await writer.drain()
    writer.write_eof()
    await reader.read()  # the sink answers once everything is on its disk
    elapsed = time.perf_counter() - started
    writer.close()
    await writer.wait_closed()
    return elapsed


async def client_upload(path: Path, url: str) -> tuple[float, int]:
    async with httpx.AsyncClient() as http:
        client = NemoClient(
            http,
            api_url=url,
            web_url="http://localhost",
            attribution=Attribution("beatthread-bench", "0", "bench"),
            auth=Authenticator(_MemoryIdentity()),
        )
        session = await client.create_session()
        source = file_source(path)
        await client.credits()  # authenticate first: only the upload is timed
        with PeakRss() as rss:
            started = time.perf_counter()
            files = await client.upload(session.session_id, source)
            elapsed = time.perf_counter() - started
        assert files, "the backend accepted no file"
        return elapsed, rss.peak - rss.baseline


async def sink(port_file: str | None) -> None:
    """Raw TCP sink: writes what it receives to a temp file (as the backend does), then acks.

    It reads in 1 MiB pieces and writes inline, the cheapest way asyncio can land bytes on
    disk, so the comparison is against the best a plain socket copy does here.
    """

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with tempfile.TemporaryFile() as out:
            while chunk := await reader.read(CHUNK):
                out.write(chunk)
        writer.write(b"ok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, limit=4 * CHUNK)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs; medians shown")
    parser.add_argument("--sink", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        asyncio.run(sink(None))
        return
    size = args.mb * 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench-track.wav"
        write_wav(path, size)
        backend, url = start_child([sys.executable, "-m", "bot", "local-backend"])
        raw, port = start_child([sys.executable, __file__, "--sink"])
        raw_runs: list[float] = []
        upload_runs: list[float] = []
        rss_growths: list[int] = []
        try:
            for _ in range(args.rounds):  # alternate so cache and CPU noise hit both paths
                raw_runs.append(asyncio.run(raw_copy(path, int(port))))
                seconds, growth = asyncio.run(client_upload(path, url))
                upload_runs.append(seconds)
                rss_growths.append(growth)
        finally:
            for child in (backend, raw):
                child.terminate()
                child.wait(10)
    raw_seconds = statistics.median(raw_runs)
    upload_seconds = statistics.median(upload_runs)
    rss_growth = max(rss_growths)
    mb = size / 1024 / 1024
    print(f"file: {mb:.0f} MB, {args.rounds} alternating rounds (medians; RSS: worst round)")
    print(f"raw loopback copy : {raw_seconds:6.2f} s  {mb / raw_seconds:7.1f} MB/s")
    print(f"NemoClient upload : {upload_seconds:6.2f} s  {mb / upload_seconds:7.1f} MB/s")
    print(f"upload speed vs raw: {raw_seconds / upload_seconds * 100:.0f} %  (target >= 80 %)")
    print(f"client peak RSS growth: {rss_growth / 1024 / 1024:.1f} MB  (target <= 32 MB)")


if __name__ == "__main__":
    main()
