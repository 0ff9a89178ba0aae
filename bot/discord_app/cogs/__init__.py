"""The cogs: thin handlers from a Discord event to the shared components and back.

* :mod:`.tracks` - a track in: a post in a watched channel, ``/track``, "Make music video";
* :mod:`.conversation` - messages in Beatthread threads go to the thread's runner;
* :mod:`.commands` - ``/credits``, ``/export``, ``/status``, ``/help``.
"""
