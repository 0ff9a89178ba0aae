"""Pictures the bot sends: the timeline as a PNG (:mod:`.timeline`), drawn in-process by Pillow.

:mod:`.session` adds a session's beat grid; :mod:`.lettering` holds the font and what it
can draw; :mod:`.axis` the ticks and the beat grid.
"""

from bot.pictures.session import draw_session, warm_up
from bot.pictures.timeline import Picture, draw_timeline

__all__ = ["Picture", "draw_session", "draw_timeline", "warm_up"]
