"""Helpers shared by tocsin's tests: free ports, real reference binaries."""
