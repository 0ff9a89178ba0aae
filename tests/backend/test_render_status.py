"""Table tests: both documented render-status shapes, and their stray variants."""

import json

import pytest

from bot.backend.errors import ProtocolError
from bot.backend.render_status import parse_render_status
from bot.core.backend_results import RenderStage

URL = "https://static1.example/render-result/r.mp4"


@pytest.mark.parametrize(
    ("body", "stage", "progress", "url"),
    [
        (
            {"taskId": "r", "status": "completed", "progress": 100, "output": {"url": URL}},
            RenderStage.COMPLETED,
            100,
            URL,
        ),
        (
            {"success": True, "data": {"id": "r", "status": "completed", "outputUrl": URL}},
            RenderStage.COMPLETED,
            100,
            URL,
        ),
        (
            {
                "success": True,
                "status": "completed",
                "output": {"url": URL},
                "data": {"status": "completed", "outputUrl": URL},
            },
            RenderStage.COMPLETED,
            100,
            URL,
        ),
        (
            {"data": {"status": "completed", "output": {"url": URL}}},
            RenderStage.COMPLETED,
            100,
            URL,
        ),
        ({"status": "pending", "progress": 5}, RenderStage.PENDING, 5, None),
        (
            {"success": True, "data": {"status": "processing", "progress": "42"}},
            RenderStage.PROCESSING,
            42,
            None,
        ),
        ({"status": "processing", "progress": 0.5}, RenderStage.PROCESSING, 50, None),
        ({"status": "processing", "progress": 250}, RenderStage.PROCESSING, 100, None),
        ({"status": "processing", "progress": None}, RenderStage.PROCESSING, 0, None),
        ({"status": "Rendering"}, RenderStage.PROCESSING, 0, None),
        ({"status": "teleporting"}, RenderStage.PROCESSING, 0, None),
        ({"status": "canceled"}, RenderStage.CANCELLED, 0, None),
        ({"status": "failed", "error": "codec"}, RenderStage.FAILED, 0, None),
    ],
)
def test_both_shapes_are_read(body, stage, progress, url):
    """Shape A and Shape B (and a superset) give the same status (contract open question 1)."""
    status = parse_render_status(body, "r")
    assert (status.stage, status.progress, status.output_url) == (stage, progress, url)


@pytest.mark.parametrize(
    "raw", ["NaN", "Infinity", "-Infinity", "1e400", "1" + "0" * 400, '"nan"', '"inf"', '"x"']
)
def test_a_progress_that_is_no_finite_number_counts_as_zero(raw):
    """JSON's NaN/Infinity and numbers beyond a float parse; the poller once crashed on them."""
    body = json.loads(f'{{"status": "processing", "progress": {raw}}}')
    assert parse_render_status(body, "r").progress == 0


def test_failed_status_keeps_the_error():
    """A failed render says why, so the user can be told."""
    status = parse_render_status(
        {"success": True, "data": {"status": "failed", "error": "codec"}}, "r"
    )
    assert status.error == "codec"


def test_submit_reply_without_status_uses_default():
    """The submit reply is undocumented; with no status the render is simply pending."""
    assert (
        parse_render_status({"success": True}, "r", default_stage="pending").stage
        is RenderStage.PENDING
    )


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"success": True, "data": {}},
        {"status": "completed"},  # done but nowhere to fetch it: must not be posted as done
        {"status": "completed", "output": {"url": "file:///etc/passwd"}},
        # Look like web links, cannot be fetched: posting the video failed on them, forever.
        {"status": "completed", "outputUrl": "http://[::1"},
        {"status": "completed", "outputUrl": "http://127.0.0.1:99999/r.mp4"},
        {"status": "completed", "outputUrl": "https://"},
        {"status": "completed", "output": {"url": "http://\u2603.example/r.mp4"}},
    ],
)
def test_unusable_replies_are_protocol_errors(body):
    """A reply we cannot act on is an error, not a silent success."""
    with pytest.raises(ProtocolError):
        parse_render_status(body, "r")
