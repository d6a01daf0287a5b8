"""``tf.train.Coordinator``: stops a group of threads together, and reports their errors.

Threads loop ``while not coord.should_stop()``; any of them (or the main thread) calls
``coord.request_stop(e)`` to make them all stop, and the main thread's ``coord.join(threads)``
waits for them and re-raises the first exception reported. This is TF1's class, written with
the standard library.

Example:
    >>> import threading
    >>> import flowkit as tf
    >>> coord = tf.train.Coordinator()
    >>> def work():
    ...     with coord.stop_on_exception():
    ...         while not coord.should_stop():
    ...             coord.request_stop()
    >>> threads = [threading.Thread(target=work) for _ in range(2)]
    >>> for t in threads:
    ...     t.start()
    >>> coord.join(threads)
    >>> coord.should_stop()
    True
"""
from __future__ import annotations

import contextlib
import sys
import threading
import time

from flowkit.framework import errors

__all__ = ["Coordinator", "LooperThread"]


class Coordinator:
    """TF1's ``tf.train.Coordinator(clean_stop_exception_types=None)``.

    ``clean_stop_exception_types`` (default ``(tf.errors.OutOfRangeError,)``): exceptions that
    stop the threads without being reported by :meth:`join`: the end of the input data is a
    normal way to finish.

    Example:
        >>> import threading
        >>> import flowkit as tf
        >>> coord = tf.train.Coordinator()
        >>> def fail():
        ...     with coord.stop_on_exception():
        ...         raise ValueError("bad record")
        >>> t = threading.Thread(target=fail)
        >>> t.start()
        >>> try:
        ...     coord.join([t])
        ... except ValueError as e:
        ...     print("join re-raised:", e)
        join re-raised: bad record
    """

    def __init__(self, clean_stop_exception_types=None) -> None:
        if clean_stop_exception_types is None:
            clean_stop_exception_types = (errors.OutOfRangeError,)
        self._clean_stop_exception_types = tuple(clean_stop_exception_types)
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._exc_info_to_raise = None
        self._joined = False
        self._registered_threads = set()

    def _filter_exception(self, ex):
        """The exc_info to report for ``ex`` (an exception or an exc_info triple), or ``None``
        for a clean stop."""
        if isinstance(ex, tuple):
            ex2 = ex[1]
        else:
            ex2 = ex
        if isinstance(ex2, self._clean_stop_exception_types):
            return None
        return ex

    def request_stop(self, ex=None) -> None:
        """Asks the threads to stop. ``ex`` (an exception, or an exc_info triple) is reported
        by :meth:`join` unless it is a clean-stop type; only the first one is kept."""
        with self._lock:
            ex = self._filter_exception(ex)
            if self._joined:
                if isinstance(ex, tuple):
                    _, ex_instance, _ = ex
                else:
                    ex_instance = ex
                if ex_instance is not None:
                    # the coordinator was joined already: raise in the caller's thread
                    raise ex_instance
            if not self._stop_event.is_set():
                if ex and self._exc_info_to_raise is None:
                    if isinstance(ex, tuple):
                        self._exc_info_to_raise = ex
                    else:
                        self._exc_info_to_raise = (type(ex), ex, ex.__traceback__)
                    # the exception must be raisable as given
                    if (len(self._exc_info_to_raise) != 3 or not self._exc_info_to_raise[0]
                            or not self._exc_info_to_raise[1]):
                        raise ValueError(f"ex must be a tuple or sys.exc_info, got: {ex!r}")
                self._stop_event.set()

    def clear_stop(self) -> None:
        """Clears the stop request and the reported exception, so the coordinator can be
        used again."""
        with self._lock:
            self._joined = False
            self._exc_info_to_raise = None
            if self._stop_event.is_set():
                self._stop_event.clear()

    def should_stop(self) -> bool:
        """Whether a stop was requested."""
        return self._stop_event.is_set()

    @contextlib.contextmanager
    def stop_on_exception(self):
        """A context manager that requests a stop with the exception raised in its block
        (and swallows it: :meth:`join` re-raises it)."""
        try:
            yield
        except:  # noqa: E722 - as TF1: any exception, SystemExit included, stops the threads
            self.request_stop(ex=sys.exc_info())

    def wait_for_stop(self, timeout=None) -> bool:
        """Waits until a stop is requested or ``timeout`` seconds pass; returns whether a
        stop was requested."""
        return self._stop_event.wait(timeout)

    def register_thread(self, thread) -> None:
        """Adds ``thread`` to the threads :meth:`join` waits for."""
        with self._lock:
            self._registered_threads.add(thread)

    def join(self, threads=None, stop_grace_period_secs=120,
             ignore_live_threads=False) -> None:
        """Waits for ``threads`` (and the registered ones) to end once a stop is requested,
        then re-raises the first exception passed to :meth:`request_stop`.

        Threads still alive ``stop_grace_period_secs`` after the stop request raise a
        ``RuntimeError`` naming them, unless ``ignore_live_threads``.
        """
        with self._lock:
            threads = set(threads or ()) | self._registered_threads
        # wait for all threads to finish, or for a stop to be requested
        while any(t.is_alive() for t in threads) and not self.wait_for_stop(1.0):
            pass
        # then give the threads the grace period to stop
        deadline = time.monotonic() + stop_grace_period_secs
        while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
            for t in threads:
                t.join(0.01)
        stragglers = [t.name for t in threads if t.is_alive()]
        with self._lock:
            self._joined = True
            self._registered_threads = set()
            if self._exc_info_to_raise:
                _, ex_instance, tb = self._exc_info_to_raise
                raise ex_instance.with_traceback(tb)
        if stragglers:
            if ignore_live_threads:
                return
            raise RuntimeError(f"Coordinator stopped with threads still running: "
                               f"{' '.join(stragglers)}")

    @property
    def joined(self) -> bool:
        return self._joined

    def raise_requested_exception(self) -> None:
        """Re-raises the exception reported with :meth:`request_stop`, if any."""
        with self._lock:
            if self._exc_info_to_raise:
                _, ex_instance, tb = self._exc_info_to_raise
                raise ex_instance.with_traceback(tb)


class LooperThread(threading.Thread):
    """TF1's ``tf.train.LooperThread(coord, timer_interval_secs, target=None, args=None,
    kwargs=None)``: calls ``target`` every ``timer_interval_secs`` (or as fast as it can with
    ``None``) until the coordinator stops; a daemon thread registered with ``coord``.

    Example:
        >>> import flowkit as tf
        >>> coord = tf.train.Coordinator()
        >>> ticks = []
        >>> def tick():
        ...     ticks.append(1)
        ...     if len(ticks) == 3:
        ...         coord.request_stop()
        >>> looper = tf.train.LooperThread.loop(coord, None, tick)
        >>> coord.join([looper])
        >>> len(ticks)
        3
    """

    def __init__(self, coord, timer_interval_secs, target=None, args=None, kwargs=None):
        if not isinstance(coord, Coordinator):
            raise ValueError(f"'coord' argument must be a Coordinator: {coord!r}")
        super().__init__()
        self.daemon = True
        self._coord = coord
        self._timer_interval_secs = timer_interval_secs
        self._target = target
        self._args = args or ()
        self._kwargs = kwargs or {}
        self._coord.register_thread(self)

    @staticmethod
    def loop(coord, timer_interval_secs, target, args=None, kwargs=None):
        """Starts a LooperThread that calls ``target`` in a loop; returns it."""
        looper = LooperThread(coord, timer_interval_secs, target=target, args=args,
                              kwargs=kwargs)
        looper.start()
        return looper

    def run(self) -> None:
        with self._coord.stop_on_exception():
            self.start_loop()
            if self._timer_interval_secs is None:
                while not self._coord.should_stop():
                    self.run_loop()
            else:
                next_timer_time = time.time()
                while not self._coord.wait_for_stop(next_timer_time - time.time()):
                    next_timer_time += self._timer_interval_secs
                    self.run_loop()
            self.stop_loop()

    def start_loop(self) -> None:
        """Called once before the loop starts."""

    def stop_loop(self) -> None:
        """Called once after the loop ends."""

    def run_loop(self) -> None:
        """One iteration: calls ``target`` (override it in a subclass)."""
        if self._target:
            self._target(*self._args, **self._kwargs)
