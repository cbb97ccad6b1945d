"""Evaluation on labelled conversations: metrics, the harness that runs the scanner, tables."""
