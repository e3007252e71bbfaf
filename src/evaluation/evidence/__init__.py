"""Empirical evidence from official statistics: provincial capital formation, its context and a
synthetic control with placebo inference (DESIGN.md, "Evidence beside the illustration")."""
