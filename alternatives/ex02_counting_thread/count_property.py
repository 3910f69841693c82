# OK: count is a property with a setter over a private attribute, reset to 0 when run() begins.
import threading


class CountingThread(threading.Thread):
    def __init__(self, n_max: int, name: str | None = None) -> None:
        super().__init__(name=name)
        self._n_max = n_max
        self._count = 0

    @property
    def count(self) -> int:
        return self._count

    @count.setter
    def count(self, value: int) -> None:
        self._count = value

    def run(self) -> None:
        self.count = 0
        for _ in range(self._n_max):
            self.count += 1
