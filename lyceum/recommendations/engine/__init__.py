"""The recommender: components (collaborative, content, popularity), the hybrid, evaluation."""
