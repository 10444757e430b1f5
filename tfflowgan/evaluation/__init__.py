"""Evaluation: sample-quality metrics, feature networks, likelihoods, Parzen baseline, Jacobians, plots."""
