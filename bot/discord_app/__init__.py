"""The Discord front end: the only package that imports discord.

A thread per track, streamed chat in it, ``/credits`` ``/export`` ``/status`` ``/help``,
persistent buttons, export status messages and result posts. Entry points:

* :func:`~bot.discord_app.launch.run_bot` - ``beatthread run``;
* :func:`~bot.discord_app.launch.prepared_bot` - the bot over opened services, for ``run``
  and the end-to-end tests alike;
* :class:`~bot.discord_app.notifier.DiscordNotifier` - export news, for the export poller.

Modules: :mod:`.bot` (client and start-up), :mod:`.cogs` (thin event handlers),
:mod:`.actions` (commands and buttons), :mod:`.intake` (track in), :mod:`.hub` (conversations),
:mod:`.presenter` (reply events → thread), :mod:`.streamer` and :mod:`.limiter` (paced sends
and edits), :mod:`.notifier`, :mod:`.render`, :mod:`.views`, :mod:`.errors`,
:mod:`.selfcheck`, :mod:`.endpoints`, :mod:`.translator`, :mod:`.locales`,
:mod:`.attachments`.
"""
