"""The world a run starts from: firms, their supply graph, and the random streams."""
