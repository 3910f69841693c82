# BUG: no lock — two threads can both find the key unknown and both compute it.
class Memoizer:
    def __init__(self, func):
        self._func = func
        self._values = {}

    def __call__(self, key):
        if key not in self._values:
            self._values[key] = self._func(key)
        return self._values[key]
