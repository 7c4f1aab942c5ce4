"""Running the same action from many threads at once, each on its own database connection."""

import threading

from django.db import close_old_connections, connection


def run_in_threads(count: int, target) -> list:
    """Start `count` threads together (a barrier) calling `target(index)`; return each result or the
    exception it raised, in index order. Each thread closes its own connection."""
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as error:  # collected and asserted by the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    return results
