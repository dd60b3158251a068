"""trayapp: open the AWS console or get credentials for many accounts from the system tray."""

__version__ = "0.1.0"
