"""Pictures the bot sends: the timeline as a PNG (:mod:`.timeline`), drawn in-process by Pillow.

:mod:`.lettering` holds the font and what it can draw; :mod:`.axis` the ticks and the beat grid.
"""

from bot.pictures.timeline import Picture, draw_timeline

__all__ = ["Picture", "draw_timeline"]
