"""Churn risk: features (``features``), the model (``model``) and its reasons (``reasons``)."""
