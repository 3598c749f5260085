"""Outcome data and metric snapshots (grown by the outcomes issue)."""

from __future__ import annotations
