"""Production monitoring: data drift, performance over time, alerts, retraining decisions."""
