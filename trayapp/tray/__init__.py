"""The tray: pystray's icon and menu, and the pictures they show.

``images`` draws with Pillow alone. Nothing in this package imports pystray at import time:
pystray picks its backend (and needs ``$DISPLAY``) when first imported, so the modules that own
the icon import it lazily.
"""
