"""Trade-management rules run by the bridge (issue 19): the model, its pure evaluation (inputs, evaluate,
merge, settle) and the runner; docs/rules.md."""
