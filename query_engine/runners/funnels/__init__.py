"""Funnels: ordered, strict and unordered; steps, trends and time-to-convert."""
