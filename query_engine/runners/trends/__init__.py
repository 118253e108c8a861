"""Trends: one series query per series and compare period; breakdowns, displays and formulas."""
