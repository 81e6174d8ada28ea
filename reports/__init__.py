"""Reports: daily, monthly and hedge reports, their numbers, charts, templates and schedule."""
