"""Monitoring of deployed models: drift tests, data quality, performance and reports."""
