"""Feedback: surveys of an edition for visitors and exhibitors, answered through personal
signed links (and on the kiosk's last screen), and what the answers say."""
