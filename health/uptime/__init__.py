"""Uptime monitors: probes.py probes URLs on their interval and moves monitor state,
history.py keeps the results and their hourly sums (the 24 h / 7 d / 30 d figures), chart.py
draws the response times. The package re-exports what the rest of the app calls."""

from health.uptime.probes import (
    ProbeResult,
    claim_due,
    parse_expected_status,
    probe,
    record_result,
    run_uptime_checks,
    status_expected,
)

__all__ = [
    "ProbeResult",
    "claim_due",
    "parse_expected_status",
    "probe",
    "record_result",
    "run_uptime_checks",
    "status_expected",
]
