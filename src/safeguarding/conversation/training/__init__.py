"""Training the conversation models (`safeguarding conversation train`): the `train` extra
(scipy, scikit-learn). Inference never imports this package."""
