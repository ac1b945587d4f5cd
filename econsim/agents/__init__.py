"""SimPy agents: thin processes that hold state and call the pure model."""
