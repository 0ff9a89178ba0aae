"""The local studio: a track in, a beat-synced music video out, on this machine.

The seam is the edit decision list (:mod:`.edl`): analysis and planning are pure data (beats in,
cuts out), the renderer only turns the list into one ffmpeg process.

* :mod:`.schema` - the studio's keys in the draft (``t/tt/sg/d/m``), the single source of truth
* :mod:`.analysis` - tempo, beats, downbeats, onsets, energy and sections (librosa), once per
  upload; its steps in :mod:`.features`, :mod:`.beats`, :mod:`.sections`
* :mod:`.plan` - draft + analysis -> :class:`~bot.studio.edl.Edl` (pure, table-tested); where the
  cuts land in :mod:`.cuts`; looks in :mod:`.palettes`
* :mod:`.edits` - what a musician asks for (EN + 中文) -> changes to the draft (pure), with
  :mod:`.draft_edit`, :mod:`.rhythm` (the cuts laid) and :mod:`.description` (the video in words)
* :mod:`.phrases` - a message -> a request, with :mod:`.reader` and :mod:`.title_phrases`;
  the replies in :mod:`.texts`
* :mod:`.render` - one ffmpeg run per EDL, real progress from ``-progress``, killed on cancel;
  the graph in :mod:`.filtergraph`, :mod:`.visuals` (generated) and :mod:`.footage` (uploads)
* :mod:`.fonts` - the font files drawtext uses (Latin and CJK)
* :mod:`.synth` - generated tracks with known beats (demo, tests, benchmarks)
"""
