"""The project's own tests: they run the kata's checks in child processes and judge the outcome."""
