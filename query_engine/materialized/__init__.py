"""Event properties stored as their own columns, chosen from what queries read."""
