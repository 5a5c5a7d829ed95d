"""Exchange Sandbox's Textual front end; it drives `sim` through its public surface only.

Textual draws at most 60 frames a second unless told otherwise, and a key often takes two frames to
answer (the key bar, then what the key changed), each waiting for the next tick of that clock: up to
33 ms before anything else is done. At 120 a key shows about 10 ms sooner (`bench/tui_latency.py`),
and, as frames are drawn only when something changed, an idle screen costs nothing more. Textual
reads `TEXTUAL_FPS` when it is first imported, so it is set here, before any of our modules import
it; a value already in the environment wins.
"""

import os

os.environ.setdefault("TEXTUAL_FPS", "120")
