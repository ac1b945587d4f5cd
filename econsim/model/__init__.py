"""Pure model math: no SimPy, no state, numpy in and numpy out; tested on its own."""
