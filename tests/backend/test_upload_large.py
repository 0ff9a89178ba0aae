"""A 500 MB file goes through the streamed upload path end to end."""

from __future__ import annotations

import hashlib
import os
import struct

import pytest

from bot.core.backend_results import file_source

SIZE = 500 * 1024 * 1024


@pytest.mark.timeout(300)
async def test_500_mb_upload_streams(nemo, local_backend, tmp_path):
    """The full-size upload is accepted byte for byte (memory is measured by the bench)."""
    path = tmp_path / "album-mix.wav"
    digest = hashlib.sha256()
    header = b"RIFF" + struct.pack("<I", SIZE - 8) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 2, 44100, 44100 * 4, 4, 16)
    header += b"data" + struct.pack("<I", SIZE - 44)
    block = os.urandom(1 << 20)
    with path.open("wb") as out:
        out.write(header)
        digest.update(header)
        remaining = SIZE - len(header)
        while remaining:
            piece = block[: min(len(block), remaining)]
            out.write(piece)
            digest.update(piece)
            remaining -= len(piece)
    session = await nemo.create_session()
    files = await nemo.upload(session.session_id, file_source(path))
    assert files[0].file_type == "audio"
    assert local_backend.uploaded_digest(session.session_id, "album-mix.wav") == digest.hexdigest()
