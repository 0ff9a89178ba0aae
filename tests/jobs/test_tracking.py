"""Per-job memory (pure): progress throttle, visible change, stall clock, estimate."""

from __future__ import annotations

import pytest

from bot.core.backend_results import RenderStage
from bot.jobs import JobTrack

PENDING, PROCESSING = RenderStage.PENDING, RenderStage.PROCESSING


def fresh() -> JobTrack:
    return JobTrack(render_id="render_x", submitted_at=1000.0, due=1015.0, moved_at=1000.0)


@pytest.mark.parametrize(
    ("readings", "shown"),
    [
        # (seconds after submission, stage, progress) → which readings were shown
        ([(15, PENDING, 0), (25, PENDING, 0), (35, PENDING, 0)], [15]),  # nothing changed
        ([(15, PENDING, 0), (20, PROCESSING, 10), (26, PROCESSING, 30)], [15, 26]),  # 10-s gap
        ([(15, PROCESSING, 10), (25, PROCESSING, 14), (35, PROCESSING, 16)], [15, 35]),  # 5 % steps
        ([(15, PROCESSING, 10), (25, PROCESSING, 15), (35, PROCESSING, 15)], [15, 25]),
        ([(15, PROCESSING, 40), (25, PROCESSING, 40), (30, PROCESSING, 41)], [15]),
        ([(15, PENDING, 0), (25, PROCESSING, 0)], [15, 25]),  # a new stage is visible
    ],
)
def test_progress_is_shown_every_10_s_at_most_and_only_when_visible(readings, shown):
    track = fresh()
    reported = [
        seconds
        for seconds, stage, progress in readings
        if track.should_report(1000.0 + seconds, stage, progress, every=10.0, step=5)
    ]
    assert reported == shown


def test_a_held_back_reading_is_not_queued_the_next_fresh_one_is_shown():
    track = fresh()
    assert track.should_report(1015.0, PROCESSING, 10, every=10.0, step=5)
    assert not track.should_report(1020.0, PROCESSING, 50, every=10.0, step=5)
    assert track.should_report(1026.0, PROCESSING, 60, every=10.0, step=5)
    assert track.shown == (PROCESSING, 60)


@pytest.mark.parametrize(
    ("readings", "stalled_at"),
    [
        # the clock runs from adoption (t=0), not from the first reading
        ([(100, PENDING, 0), (500, PENDING, 0), (601, PENDING, 0), (900, PENDING, 0)], [601]),
        ([(100, PROCESSING, 5), (500, PROCESSING, 6), (700, PROCESSING, 6)], []),  # reset at 500
        ([(100, PROCESSING, 5), (500, PROCESSING, 6), (1100, PROCESSING, 6)], [1100]),
        # stalled, moved again, stalled again: told twice
        ([(600, PENDING, 0), (700, PROCESSING, 10), (1300, PROCESSING, 10)], [600, 1300]),
    ],
)
def test_stall_is_due_once_per_stall_and_progress_resets_the_clock(readings, stalled_at):
    track = fresh()
    due = []
    for seconds, stage, progress in readings:
        track.observe(1000.0 + seconds, stage, progress)
        if track.stall_due(1000.0 + seconds, 600.0):
            due.append(seconds)
    assert due == stalled_at


def test_observe_keeps_the_previous_reading_for_the_estimate_and_clears_errors():
    track = fresh()
    track.errors = 3
    assert track.eta() is None
    track.observe(1015.0, PROCESSING, 15)
    assert track.errors == 0
    assert track.eta() == pytest.approx(85.0)  # 1 %/s since submission
    track.observe(1025.0, PROCESSING, 35)
    assert track.previous == (15.0, 15)
    assert track.eta() == pytest.approx(32.5)  # 2 %/s over the last 10 s
    track.observe(1035.0, PROCESSING, 35)
    assert track.eta() is None  # not moving
    assert track.idle_for(1040.0) == 15.0
