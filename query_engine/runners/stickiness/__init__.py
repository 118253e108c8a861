"""Stickiness: how many actors were active in k of the range's intervals."""
