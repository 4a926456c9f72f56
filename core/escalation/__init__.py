"""Escalation: confirmed cases turned into removal requests for each platform.

``channels`` (where requests go, as data), ``agent`` (who signs), ``notices`` (the
templates), ``packets`` (grouping, splitting, files) and ``service`` (with the stores).
"""
