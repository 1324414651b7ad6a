"""pytest plugin: fixtures that start a Kalshi simulator for strategy tests."""
