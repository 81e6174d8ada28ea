"""Trade-management rules run by the bridge (issue 19): models, evaluation, the runner; docs/rules.md."""
