"""A seeded fuzz of the real bot against the Discord emulator and the local backend.

One piece of code for each piece of logic, shared by ``tests/bench/fuzz.py`` (1,000 cases and
more) and ``tests/discord_app/test_fuzz.py`` (a small subset in the normal suite):

* :mod:`.cases` - the seeded inputs as plain data: attachments, message texts, slash commands,
  raw SSE streams and render status bodies;
* :mod:`.monitor` - what the bot must never do, watched while it runs: unhandled exceptions,
  pings, leaked tokens;
* :mod:`.campaign` - one bot, emulator and backend driven by many lanes at once (one thread
  each), every case's answer awaited, and the :class:`~.campaign.Report`.
"""
