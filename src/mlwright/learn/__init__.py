"""Learning: tasks, metrics, preprocessing, model families, budgeted search and evaluation."""
