"""Learning: tasks, metrics, preprocessing, model families, budgeted search and evaluation."""

from mlwright.learn.threads import prefer_passive_waiting

# Before any learner loads an OpenMP runtime (see threads.py for why).
prefer_passive_waiting()
