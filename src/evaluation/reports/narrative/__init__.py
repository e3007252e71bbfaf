"""reports.narrative layer."""
